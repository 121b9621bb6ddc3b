"""Registration bodies are parsed only within bounds of size and nesting (oauthgw.jsonbody)."""

from __future__ import annotations

from unittest import TestCase

from oauthgw.jsonbody import BadBody, nesting_depth, parse


class JsonBodyTest(TestCase):
    def test_it_counts_nesting_outside_strings_only(self) -> None:
        self.assertEqual(nesting_depth('{"a": [1, {"b": "[[[{{{"}]}'), 3)
        self.assertEqual(nesting_depth('["\\"[[[", []]'), 2)
        self.assertEqual(nesting_depth('"plain"'), 0)

    def test_it_parses_what_is_within_bounds(self) -> None:
        self.assertEqual(parse(b'{"redirect_uris": ["https://app.example.com/cb"]}', max_depth=2),
                         {"redirect_uris": ["https://app.example.com/cb"]})  # fmt: skip

    def test_it_refuses_what_is_too_deep_too_big_or_not_json(self) -> None:
        for body in (b"[" * 100_000 + b"]" * 100_000, b"x" * 70_000, b"\xff", b"{not json", b"[[[[[[1]]]]]]"):
            with self.subTest(body=body[:10]), self.assertRaises(BadBody):
                parse(body, max_depth=5)
