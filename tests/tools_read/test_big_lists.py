"""Big list pages are decoded at most two at a time per worker (k8stools.memory), whatever the concurrency."""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

from k8stools.memory import BIG_LIST_ITEMS
from tests.live import LiveServerTestCase, mcp_client, run

PODS = r"/api/v1/(namespaces/[^/]+/)?pods$"
DELAY = 1.5  # each answer of the API server for a pod list


class BigListsTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 4, "namespaces": 1}

    def setUp(self) -> None:
        super().setUp()
        self.text("list", resourceType="pods")  # discovery done before the fault
        self.fake.faults.add(path=PODS, delay=DELAY)
        self.addCleanup(self.fake.faults.clear)
        self.fake.clear_requests()

    def big_lists_asked(self) -> int:
        return sum(1 for request in self.fake.requests if int(request.query.get("limit") or 0) > BIG_LIST_ITEMS)

    def lists_at_once(self, limit: int, count: int = 4) -> tuple[float, int, list[bool]]:
        """`count` lists in one session, concurrently: the wall time, how many had reached the API server a fifth
        of a delay after the second did (before any answer could let another one through), and whether each was an
        error."""

        async def go() -> tuple[float, int, list[bool]]:
            async with mcp_client(self.server.mcp_url, mode="auto") as client:
                started = time.monotonic()
                calls = asyncio.gather(
                    *(client.call_tool("list", {"resourceType": "pods", "limit": limit}) for _ in range(count))
                )
                while len(self.fake.requests) < 2 and time.monotonic() - started < 10:
                    await asyncio.sleep(0.01)
                await asyncio.sleep(DELAY / 5)
                reached = len(self.fake.requests)
                results = await calls
                return time.monotonic() - started, reached, [bool(result.is_error) for result in results]

        return run(go())

    def test_two_big_lists_reach_the_api_server_at_once_and_the_others_wait_their_turn(self) -> None:
        seconds, reached, errors = self.lists_at_once(BIG_LIST_ITEMS + 1)
        self.assertEqual(errors, [False] * 4)
        self.assertEqual(reached, 2)
        self.assertEqual(self.big_lists_asked(), 4)
        self.assertGreaterEqual(seconds, 2 * DELAY)

    def test_ordinary_lists_are_not_held_back(self) -> None:
        _, reached, errors = self.lists_at_once(BIG_LIST_ITEMS)
        self.assertEqual(errors, [False] * 4)
        self.assertGreater(reached, 2)
