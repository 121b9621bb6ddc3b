"""The tools' argument schemas kept in k8stools/tools/schemas.json: current, and never trusted when stale."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

from django.test import SimpleTestCase
from pydantic import Field

from k8stools.tools import catalog  # noqa: F401 - registers the tools
from k8stools.tools.registry import TOOLS, ToolSpec
from k8stools.tools.schemas import SCHEMA_FILE, fingerprint, generate, input_schemas, write


def sample_tool(call: Any, name: Annotated[str, Field(description="The object's name")], limit: int = 10) -> str:
    """A tool for these tests only."""
    return name


SAMPLE = ToolSpec(name="sample", fn=sample_tool, operation="get", title="Sample", read_only=True)


class ToolSchemaFileTests(SimpleTestCase):
    def test_the_committed_file_matches_the_tools_signatures(self) -> None:
        saved = json.loads(SCHEMA_FILE.read_text())
        self.assertEqual(
            saved["fingerprint"],
            fingerprint(TOOLS.values()),
            "a tool module changed: regenerate with `python -m k8stools.tools.schemas`",
        )
        self.assertEqual(sorted(saved["tools"]), sorted(TOOLS))
        for name, spec in TOOLS.items():
            with self.subTest(tool=name):
                self.assertEqual(saved["tools"][name], generate(spec))

    def test_a_generated_schema_is_strict_and_leaves_out_the_call(self) -> None:
        schema = generate(SAMPLE)
        self.assertFalse(schema["additionalProperties"])
        self.assertEqual(sorted(schema["properties"]), ["limit", "name"])
        self.assertEqual(schema["required"], ["name"])
        self.assertNotIn("title", schema)
        self.assertNotIn("title", schema["properties"]["name"])

    def test_a_file_with_another_fingerprint_is_ignored(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "schemas.json"
            forged = {"type": "object", "properties": {}, "additionalProperties": True}
            path.write_text(json.dumps({"fingerprint": "0" * 64, "tools": {"sample": forged}}))
            self.assertEqual(input_schemas({"sample": SAMPLE}, path=path), {"sample": generate(SAMPLE)})

    def test_a_current_file_is_read_instead_of_generating(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "schemas.json"
            write({"sample": SAMPLE}, path)
            document = json.loads(path.read_text())
            document["tools"]["sample"]["description"] = "read from the file"
            path.write_text(json.dumps(document))
            self.assertEqual(
                input_schemas({"sample": SAMPLE}, path=path)["sample"]["description"], "read from the file"
            )

    def test_a_missing_or_broken_file_falls_back_to_generating(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            broken = Path(directory) / "broken.json"
            broken.write_text("{not json")
            for path in (Path(directory) / "absent.json", broken):
                with self.subTest(path=path.name):
                    self.assertEqual(input_schemas({"sample": SAMPLE}, path=path), {"sample": generate(SAMPLE)})

    def test_a_changed_description_or_constraint_changes_the_fingerprint(self) -> None:
        def described(
            call: Any, name: Annotated[str, Field(description="Another description")], limit: int = 10
        ) -> str:
            return name

        def bounded(call: Any, name: Annotated[str, Field(description="The object's name")], limit: int = 11) -> str:
            return name

        original = fingerprint([SAMPLE])
        for fn in (described, bounded):
            with self.subTest(fn=fn.__name__):
                changed = ToolSpec(name="sample", fn=fn, operation="get", title="Sample", read_only=True)
                self.assertNotEqual(fingerprint([changed]), original)
