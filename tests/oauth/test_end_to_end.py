"""The whole flow over real HTTP with the MCP SDK's OAuth client: 401 and discovery, registration,
authorization with an upstream login at a real OIDC provider, consent, token, a tool call."""

from __future__ import annotations

from typing import Any

from tests.live import run
from tests.oauth.base import Browser, MemoryStorage, OAuthLiveTestCase, oauth_client


class AnMCPClientLogsInThroughTheGateway(OAuthLiveTestCase):
    oauth_env = {"ALLOW_PUBLIC_REGISTRATION": "true"}

    def test_it_registers_logs_in_upstream_and_calls_a_tool(self) -> None:
        storage, browser = MemoryStorage(), Browser(login="alice")

        async def go() -> Any:
            async with oauth_client(self.server.mcp_url, browser, storage) as client:
                return await client.call_tool("context_list", {})

        result = run(go())
        text = "".join(getattr(block, "text", "") for block in result.content)
        self.assertFalse(result.is_error, text)
        self.assertIsNotNone(storage.tokens)
        self.assertEqual(storage.tokens.token_type.lower(), "bearer")
        self.assertTrue(storage.tokens.refresh_token)
        # The browser went through the upstream login and kubemcp's consent page.
        pages = " ".join(browser.pages)
        self.assertIn(self.provider.issuer, pages)
        self.assertIn("/oidc/callback/", pages)
