"""A slow answer becomes an SSE stream at MCP_SSE_AFTER_SECONDS, its headers leaving then, long before the answer
(daphne would hold them back until a body chunk)."""

from __future__ import annotations

import json
import time
from typing import ClassVar

import httpx2

from tests.transport.raw import MCP_HEADERS
from tests.transport.test_progress import FOLLOW, ProgressTestCase


class SseHeadersTests(ProgressTestCase):
    seed: ClassVar[dict[str, int]] = {}
    server_env: ClassVar[dict[str, str]] = {"MCP_SSE_AFTER_SECONDS": "0.3"}

    def test_response_headers_arrive_before_a_slow_answer(self) -> None:
        request = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "logs", "arguments": {**FOLLOW, "followSeconds": 3}},
        }
        started = time.monotonic()
        with (
            httpx2.Client(timeout=30) as client,
            client.stream("POST", self.server.mcp_url, content=json.dumps(request), headers=MCP_HEADERS) as response,
        ):
            headers_after = time.monotonic() - started
            self.assertTrue(response.headers["content-type"].startswith("text/event-stream"))
            body = response.read().decode()
        answered_after = time.monotonic() - started
        self.assertGreater(answered_after, 2.5)
        self.assertLess(headers_after, 1.5)
        self.assertIn("three", body)
