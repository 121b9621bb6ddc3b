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


class LogNotificationTests(LiveServerTestCase):
    """Each call is reported in the client's log; a failure arrives as a warning with its reason."""

    def received(self, tool: str, arguments: dict[str, Any], **client_options: Any) -> list[Any]:
        messages: list[Any] = []

        async def on_log(params: Any) -> None:
            messages.append(params)

        async def call(client: Any) -> None:
            await client.call_tool(tool, arguments)

        self.with_client(call, mode="legacy", logging_callback=on_log, **client_options)
        return messages

    def test_a_failed_call_sends_a_warning_with_the_reason(self) -> None:
        [message] = self.received("get", {"resourceType": "pods", "name": "no-such-pod"})
        self.assertEqual(message.level, "warning")
        self.assertIn("get: error", message.data)
        self.assertIn('"no-such-pod" not found', message.data)

    def test_a_successful_call_is_logged_at_debug_level_only(self) -> None:
        self.assertEqual(self.received("context_list", {}), [])

    def test_the_2026_era_sends_logs_only_to_a_client_that_opted_in(self) -> None:
        messages: list[Any] = []

        async def on_log(params: Any) -> None:
            messages.append(params)

        async def call(client: Any) -> None:
            await client.call_tool("get", {"resourceType": "pods", "name": "no-such-pod"})

        self.with_client(call, mode="auto", logging_callback=on_log)
        self.assertEqual(messages, [])
        self.with_client(call, mode="auto", logging_callback=on_log, log_level="warning")
        self.assertEqual([message.level for message in messages], ["warning"])
