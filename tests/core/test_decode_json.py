"""`decode_json` reads what the API server sends as the standard library would."""

from __future__ import annotations

import json

from django.test import SimpleTestCase

from k8stools.kube import decode_json


class DecodeJsonTests(SimpleTestCase):
    def test_a_list_decodes_to_the_same_values_as_the_standard_library(self) -> None:
        body = json.dumps(
            {"kind": "PodList", "items": [{"metadata": {"name": f"web-{i}", "labels": {"é": "ü"}}} for i in range(50)]}
        ).encode()
        self.assertEqual(decode_json(body), json.loads(body))

    def test_64_bit_integers_are_kept_exactly(self) -> None:
        # The API server (Go) holds numbers as int64 or float64, so it never sends a longer integer.
        body = b'{"a": 9223372036854775807, "b": -9223372036854775808, "c": 1.5e300, "d": 0.1}'
        self.assertEqual(decode_json(body), {"a": 2**63 - 1, "b": -(2**63), "c": 1.5e300, "d": 0.1})

    def test_what_only_the_standard_library_takes_still_decodes(self) -> None:
        self.assertEqual(repr(decode_json(b'{"x": NaN}')["x"]), "nan")

    def test_a_body_that_is_not_json_is_a_value_error(self) -> None:
        for body in (b"<html>502 Bad Gateway</html>", b'{"a": 1', b"\xff\xfe"):
            with self.subTest(body=body), self.assertRaises(ValueError):
                decode_json(body)
