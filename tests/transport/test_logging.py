"""`logging/setLevel` (2025-11-25): accepted for the levels of RFC 5424, refused otherwise."""

from __future__ import annotations

import warnings
from typing import Any

from mcp_types import EmptyResult

from tests.live import LiveServerTestCase
from tests.transport.raw import json_rpc_messages, send

LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")


class SetLevelTests(LiveServerTestCase):
    def test_a_client_sets_each_level_of_log_notifications(self) -> None:
        async def set_levels(client: Any) -> list[Any]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # deprecated in 2026-07-28, part of 2025-11-25
                return [await client.set_logging_level(level) for level in LEVELS]

        self.assertTrue(all(isinstance(result, EmptyResult) for result in self.with_client(set_levels, mode="legacy")))

    def test_an_unknown_level_is_invalid_params(self) -> None:
        request = {"jsonrpc": "2.0", "id": 1, "method": "logging/setLevel", "params": {"level": "loud"}}
        [answer] = json_rpc_messages(send(self.server.mcp_url, request))
        self.assertEqual(answer["error"]["code"], -32602)
