from __future__ import annotations

import json
from unittest import TestCase

import yaml

from k8stools.formatting.documents import to_json, to_yaml
from tests.formatting import fixtures


class DocumentTests(TestCase):
    def test_yaml_keeps_key_order_and_block_style(self) -> None:
        text = to_yaml({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p"}, "items": [1, 2]})
        self.assertEqual(text, "kind: Pod\napiVersion: v1\nmetadata:\n  name: p\nitems:\n- 1\n- 2\n")

    def test_yaml_writes_multi_line_strings_as_literal_blocks(self) -> None:
        text = to_yaml({"script": "set -e\necho hello\n"})
        self.assertEqual(text, "script: |\n  set -e\n  echo hello\n")

    def test_yaml_never_writes_aliases(self) -> None:
        shared = {"app": "web"}
        text = to_yaml({"a": shared, "b": shared})
        self.assertNotIn("&", text)
        self.assertNotIn("*", text)

    def test_yaml_keeps_unicode_and_long_lines(self) -> None:
        long_value = "é" + "x" * 300
        text = to_yaml({"note": long_value})
        self.assertEqual(text, f"note: {long_value}\n")

    def test_yaml_round_trips_a_real_object(self) -> None:
        deployment = fixtures.deployment(env_count=3)
        self.assertEqual(yaml.safe_load(to_yaml(deployment)), deployment)

    def test_yaml_is_smaller_than_pretty_json(self) -> None:
        deployment = fixtures.deployment()
        self.assertLess(len(to_yaml(deployment)), 0.8 * len(json.dumps(deployment, indent=2)))

    def test_json_is_compact_and_round_trips(self) -> None:
        deployment = fixtures.deployment()
        text = to_json(deployment)
        self.assertNotIn("\n", text)
        self.assertEqual(json.loads(text), deployment)
        self.assertEqual(to_json({"a": "é", "b": [1, 2]}), '{"a": "é", "b": [1, 2]}')


class LibyamlDumperTests(TestCase):
    """`to_yaml` uses libyaml's emitter when PyYAML has it; the text must be what the pure-Python one writes."""

    TRICKY = {
        "multi": "line one\nline two\n  indented ünïcödé",
        "trailing": "text\n",
        "crlf": "a\r\nb",
        "long": "x" * 300 + " y" * 100,
        "empty": "",
        "colon": "a: b",
        "leading zero": "0123",
        "boolean-like": "yes",
        "null-like": "~",
        "nested": [{"k": None, "n": 1.5, "b": True}, []],
        "tab": "a\tb",
    }

    def test_libyaml_and_pure_python_dumpers_write_the_same_text(self) -> None:
        from k8stools.formatting import documents

        class PurePythonDumper(yaml.SafeDumper):
            def ignore_aliases(self, data: object) -> bool:
                return True

        PurePythonDumper.add_representer(str, documents._represent_str)
        for value in (self.TRICKY, fixtures.pod("web-1"), fixtures.deployment("web")):
            expected = yaml.dump(
                value,
                Dumper=PurePythonDumper,
                default_flow_style=False,
                sort_keys=False,
                allow_unicode=True,
                width=documents.UNLIMITED_WIDTH,
            )
            self.assertEqual(to_yaml(value), expected)
