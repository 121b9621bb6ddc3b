"""The whole flow over real HTTP with the MCP SDK's OAuth client: 401 and discovery, registration,
authorization with an upstream login at a real OIDC provider, consent, token, a tool call."""

from __future__ import annotations

from typing import Any

from oauth2_provider.models import AccessToken

from oauthgw.models import ClientRegistration, UpstreamToken
from tests.live import run
from tests.oauth.base import Browser, MemoryStorage, OAuthLiveTestCase, oauth_client


class AnMCPClientLogsInThroughTheGateway(OAuthLiveTestCase):
    # The default per-address limit (20 requests in 2 s) is what a real client meets.
    oauth_env = {"ALLOW_PUBLIC_REGISTRATION": "true", "RATE_LIMIT_PER_IP": "20/2s"}

    def test_it_registers_logs_in_upstream_and_calls_a_tool(self) -> None:
        storage, browser = MemoryStorage(), Browser(login="alice")

        async def go() -> Any:
            async with oauth_client(self.server.mcp_url, browser, storage) as client:
                return await client.call_tool("context_list", {})

        result = run(go())
        text = "".join(getattr(block, "text", "") for block in result.content)
        self.assertFalse(result.is_error, text)
        assert storage.tokens is not None and storage.client_info is not None
        self.assertEqual(storage.tokens.token_type.lower(), "bearer")
        self.assertTrue(storage.tokens.refresh_token)
        # Dynamic registration, from this address.
        self.assertEqual(ClientRegistration.objects.get().application.client_id, storage.client_info.client_id)
        # The browser went through the upstream login and kubemcp's consent page.
        pages = " ".join(browser.pages)
        self.assertIn(self.provider.issuer, pages)
        self.assertIn("/oidc/callback/", pages)
        self.assertIn("POST " + self.base_url + "/o/authorize/", pages)
        # The token is Alice's, for this server's /mcp only, and her upstream tokens are kept sealed.
        token = AccessToken.objects.get(scope="mcp")
        self.assertEqual(token.user.username, "alice@example.com")
        self.assertEqual(token.resource, [f"{self.base_url}/mcp"])
        self.assertTrue(UpstreamToken.objects.get(user=token.user).id_token.startswith("v1."))

        # Another session with the stored tokens needs no new login.
        steps = len(browser.pages)

        async def again() -> Any:
            async with oauth_client(self.server.mcp_url, browser, storage) as client:
                return await client.list_tools()

        tools = run(again())
        self.assertIn("context_list", [tool.name for tool in tools.tools])
        self.assertEqual(len(browser.pages), steps)
