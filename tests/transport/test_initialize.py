"""The server introduces itself: name, version and instructions, in both protocol eras."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from tests.live import LiveServerTestCase
from tests.transport.raw import INITIALIZE, json_rpc_messages, send


class InitializeTests(LiveServerTestCase):
    def test_the_handshake_returns_name_version_instructions_and_capabilities(self) -> None:
        async def introduce(client: Any) -> Any:
            return client.protocol_version, client.server_info, client.instructions, client.server_capabilities

        version, info, instructions, capabilities = self.with_client(introduce, mode="legacy")
        self.assertEqual(version, "2025-11-25")
        self.assertEqual(info.name, settings.SERVER_NAME)
        self.assertEqual(info.version, settings.SERVER_VERSION)
        self.assertIn("`list`", instructions)
        self.assertIsNotNone(capabilities.tools)
        self.assertIsNotNone(capabilities.logging)

    def test_a_2026_client_gets_the_same_introduction_without_a_handshake(self) -> None:
        async def introduce(client: Any) -> Any:
            return client.protocol_version, client.server_info, client.instructions

        version, info, instructions = self.with_client(introduce, mode="auto")
        self.assertEqual(version, "2026-07-28")
        self.assertEqual(info.name, settings.SERVER_NAME)
        self.assertIn("`list`", instructions)

    def test_an_older_client_is_offered_its_own_version(self) -> None:
        body = {**INITIALIZE, "params": {**INITIALIZE["params"], "protocolVersion": "2025-03-26"}}
        [message] = json_rpc_messages(send(self.server.mcp_url, body))
        self.assertEqual(message["result"]["protocolVersion"], "2025-03-26")
        self.assertEqual(message["result"]["serverInfo"]["name"], settings.SERVER_NAME)
