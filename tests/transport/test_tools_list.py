"""`tools/list`: every tool annotated as its registration says; deprecated aliases callable but never listed."""

from __future__ import annotations

from typing import Any

from k8stools.tools import catalog  # noqa: F401 - registers the tools
from k8stools.tools.registry import DEPRECATED_ALIAS_PREFIX, TOOLS
from tests.live import LiveServerTestCase


class ToolsListTests(LiveServerTestCase):
    def list_tools(self, mode: str) -> list[Any]:
        async def listing(client: Any) -> list[Any]:
            return (await client.list_tools()).tools

        return self.with_client(listing, mode=mode)

    def test_every_tool_carries_accurate_annotations(self) -> None:
        for mode in ("legacy", "auto"):
            tools = self.list_tools(mode)
            self.assertIn("context_list", [tool.name for tool in tools])
            for tool in tools:
                with self.subTest(mode=mode, tool=tool.name):
                    spec = TOOLS[tool.name]
                    hints = tool.annotations
                    self.assertIsNotNone(hints)
                    self.assertEqual(hints.title, spec.title)
                    self.assertEqual(hints.read_only_hint, spec.read_only)
                    self.assertEqual(hints.destructive_hint, spec.destructive)
                    self.assertEqual(hints.idempotent_hint, spec.idempotent)
                    self.assertEqual(hints.open_world_hint, spec.open_world)
                    if spec.mutating:
                        self.assertFalse(hints.read_only_hint, "a tool that changes the cluster is not read-only")
                    if hints.read_only_hint:
                        self.assertFalse(hints.destructive_hint)
                    self.assertTrue(tool.description)
                    self.assertFalse(tool.input_schema.get("additionalProperties", True), "schemas are strict")

    def test_a_tool_that_writes_to_the_database_is_not_read_only(self) -> None:
        [context_use] = [tool for tool in self.list_tools("legacy") if tool.name == "context_use"]
        self.assertFalse(context_use.annotations.read_only_hint)
        self.assertTrue(context_use.annotations.idempotent_hint)

    def test_deprecated_aliases_are_not_listed(self) -> None:
        names = [tool.name for tool in self.list_tools("legacy")]
        self.assertEqual([name for name in names if name.startswith(DEPRECATED_ALIAS_PREFIX)], [])

    def test_a_deprecated_alias_is_still_callable(self) -> None:
        self.assertEqual(self.text("kubernetes_context_list"), self.text("context_list"))
