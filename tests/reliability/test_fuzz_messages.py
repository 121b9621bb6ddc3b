"""Random and mutated JSON-RPC messages at `/mcp`: never a 5xx, always a JSON-RPC answer, and ping still answers."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx2
from hypothesis import given
from hypothesis.extra.django import TransactionTestCase as HypothesisTransactionTestCase

from tests.live import LiveServerTestCase
from tests.reliability.fuzzing import FUZZ_SETTINGS, json_values, mutated_messages, post, raw_bodies
from tests.transport.raw import PING, json_rpc_messages


class FuzzedMessagesTests(LiveServerTestCase, HypothesisTransactionTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 3, "namespaces": 1}

    def setUp(self) -> None:
        super().setUp()
        self.http = httpx2.Client(timeout=30)
        self.addCleanup(self.http.close)

    def assert_json_rpc_answer(self, body: bytes) -> None:
        response = post(self.http, self.server.mcp_url, body)
        shown = f"request {body[:300]!r} got {response.status_code}: {response.text[:500]}"
        self.assertLess(response.status_code, 500, shown)
        self.assertNotIn("Traceback", response.text, shown)
        if response.status_code == 202:  # a notification: accepted, nothing to answer
            self.assertEqual(response.text, "", shown)
            return
        try:
            messages = json_rpc_messages(response)
        except json.JSONDecodeError:
            self.fail(f"not a JSON body: {shown}")
        self.assertTrue(messages, shown)
        for message in messages:
            self.assertEqual(message.get("jsonrpc"), "2.0", shown)
            if "error" in message:
                self.assertIsInstance(message["error"].get("code"), int, shown)
                self.assertIsInstance(message["error"].get("message"), str, shown)
            else:
                self.assertIn("result", message, shown)

    def assert_ping_answers(self) -> None:
        response = post(self.http, self.server.mcp_url, json.dumps(PING).encode())
        self.assertEqual(json_rpc_messages(response), [{"jsonrpc": "2.0", "id": 1, "result": {}}])

    @FUZZ_SETTINGS
    @given(message=mutated_messages())
    def test_a_mutated_message_gets_a_json_rpc_answer(self, message: Any) -> None:
        self.assert_json_rpc_answer(json.dumps(message).encode())

    @FUZZ_SETTINGS
    @given(value=json_values)
    def test_any_json_value_gets_a_json_rpc_answer(self, value: Any) -> None:
        self.assert_json_rpc_answer(json.dumps(value).encode())

    @FUZZ_SETTINGS
    @given(body=raw_bodies)
    def test_any_bytes_get_a_json_rpc_answer(self, body: bytes) -> None:
        self.assert_json_rpc_answer(body)

    def tearDown(self) -> None:
        self.assert_ping_answers()
        super().tearDown()
