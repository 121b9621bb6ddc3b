"""`completion/complete` over HTTP, in both protocol eras (what is completed is tested in tests.tools_read)."""

from __future__ import annotations

from typing import Any

from mcp_types import PromptReference

from tests.live import LiveServerTestCase


class CompletionTests(LiveServerTestCase):
    extra_contexts = ("other", "staging")

    def test_a_client_of_either_era_completes_a_context_name(self) -> None:
        async def complete(client: Any) -> Any:
            reference = PromptReference(type="ref/prompt", name="any")
            return await client.complete(reference, {"name": "context", "value": "st"})

        for mode in ("legacy", "auto"):
            with self.subTest(mode):
                completion = self.with_client(complete, mode=mode).completion
                self.assertEqual(completion.values, ["staging"])
                self.assertEqual(completion.total, 1)

    def test_the_capability_is_announced(self) -> None:
        async def capabilities(client: Any) -> Any:
            return client.server_capabilities

        self.assertIsNotNone(self.with_client(capabilities, mode="legacy").completions)
