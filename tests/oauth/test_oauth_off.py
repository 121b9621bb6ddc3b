"""With OAUTH_ENABLED off (the default), /mcp stays open and no OAuth endpoint exists."""

from __future__ import annotations

import requests

from tests.live import LiveServerTestCase


class OAuthOffTest(LiveServerTestCase):
    seed = {"pods": 1, "namespaces": 1}

    def test_mcp_answers_without_a_token(self) -> None:
        response = requests.post(
            self.server.mcp_url,
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            timeout=30,
            headers={"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("WWW-Authenticate", response.headers)

    def test_the_oauth_endpoints_do_not_exist(self) -> None:
        for path in (
            "/o/token/",
            "/o/authorize/",
            "/o/register/",
            "/.well-known/oauth-authorization-server",
            "/.well-known/oauth-protected-resource/mcp",
            "/oidc/authenticate/",
        ):
            with self.subTest(path=path):
                self.assertEqual(requests.get(self.server.url + path, timeout=30).status_code, 404)
