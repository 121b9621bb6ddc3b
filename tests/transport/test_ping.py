"""`ping` answers on the handshake era's wire, with or without a session."""

from __future__ import annotations

import warnings
from typing import Any

from mcp_types import EmptyResult

from tests.live import LiveServerTestCase
from tests.transport.raw import PING, json_rpc_messages, send


class PingTests(LiveServerTestCase):
    def test_a_client_pings_the_server(self) -> None:
        async def ping(client: Any) -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ping is deprecated in 2026-07-28, not in 2025-11-25
                return await client.send_ping()

        self.assertIsInstance(self.with_client(ping, mode="legacy"), EmptyResult)

    def test_a_ping_needs_no_handshake_on_a_stateless_server(self) -> None:
        response = send(self.server.mcp_url, {**PING, "id": "p-1"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(json_rpc_messages(response), [{"jsonrpc": "2.0", "id": "p-1", "result": {}}])
