"""DNS-rebinding protection: Host and Origin checked against the settings, loopback by default."""

from __future__ import annotations

from typing import ClassVar

from tests.live import LiveServerTestCase
from tests.transport.raw import PING, json_rpc_messages, send


class LoopbackDefaultTests(LiveServerTestCase):
    def status(self, **headers: str) -> int:
        return send(self.server.mcp_url, PING, headers=headers).status_code

    def test_a_foreign_host_is_misdirected(self) -> None:
        response = send(self.server.mcp_url, PING, headers={"host": "evil.example"})
        self.assertEqual(response.status_code, 421)
        self.assertIn("evil.example", response.json()["error"]["message"])

    def test_a_foreign_origin_is_forbidden(self) -> None:
        response = send(self.server.mcp_url, PING, headers={"origin": "http://evil.example"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.status(origin="http://127.0.0.1.evil.example"), 403)

    def test_loopback_hosts_and_origins_are_allowed(self) -> None:
        self.assertEqual(self.status(host=f"localhost:{self.server.port}"), 200)
        self.assertEqual(self.status(origin="http://localhost:6274"), 200)
        self.assertEqual(self.status(origin="http://127.0.0.1:3000"), 200)

    def test_a_loopback_origin_may_not_reach_a_public_name(self) -> None:
        # A page on the user's machine has no business with a server it reaches by a public name.
        self.assertEqual(self.status(host="mcp.example.com", origin="http://localhost:3000"), 421)


class PublicHostnameTests(LiveServerTestCase):
    # 127.0.0.1 stays allowed so the harness can probe /healthz; the point is the public name.
    server_env: ClassVar[dict[str, str]] = {
        "ALLOWED_HOSTS": "mcp.example.com,127.0.0.1",
        "ALLOWED_ORIGINS": "https://chat.example.com",
    }

    def test_a_deployment_behind_a_real_hostname_answers_it(self) -> None:
        response = send(self.server.mcp_url, PING, headers={"host": "mcp.example.com"})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(json_rpc_messages(response), [{"jsonrpc": "2.0", "id": 1, "result": {}}])

    def test_a_listed_origin_is_allowed_and_others_are_not(self) -> None:
        headers = {"host": "mcp.example.com"}
        allowed = send(self.server.mcp_url, PING, headers={**headers, "origin": "https://chat.example.com"})
        self.assertEqual(allowed.status_code, 200)
        refused = send(self.server.mcp_url, PING, headers={**headers, "origin": "https://evil.example"})
        self.assertEqual(refused.status_code, 403)

    def test_other_hosts_are_still_misdirected(self) -> None:
        self.assertEqual(send(self.server.mcp_url, PING, headers={"host": "localhost"}).status_code, 421)
