"""Big list pages are decoded at most two at a time per worker (k8stools.memory), whatever the concurrency."""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

from k8stools.memory import BIG_LIST_ITEMS
from tests.live import LiveServerTestCase, mcp_client, run

PODS = r"/api/v1/(namespaces/[^/]+/)?pods$"
DELAY = 1.0  # each answer of the API server for a pod list
TIMEOUT = 4.0  # TOOL_TIMEOUT_SECONDS: a call waits at most half of it for its turn


class BigListsTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 4, "namespaces": 1}
    server_env: ClassVar[dict[str, str]] = {"TOOL_TIMEOUT_SECONDS": str(TIMEOUT)}

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

    def test_a_big_list_that_cannot_get_its_turn_in_half_the_timeout_says_the_server_is_busy(self) -> None:
        self.fake.faults.clear()
        self.fake.faults.add(path=PODS, delay=2 * TIMEOUT)  # the first two hold their turns past their timeout
        big = {"resourceType": "pods", "limit": BIG_LIST_ITEMS + 1}

        async def go() -> tuple[list[str], str, float]:
            async with mcp_client(self.server.mcp_url, mode="auto") as client:
                first = asyncio.gather(client.call_tool("list", big), client.call_tool("list", big))
                while self.big_lists_asked() < 2:
                    await asyncio.sleep(0.01)
                held_until = time.monotonic() + 2 * TIMEOUT
                started = time.monotonic()
                third = await client.call_tool("list", big)
                seconds = time.monotonic() - started
                timed_out = ["".join(block.text for block in r.content if hasattr(block, "text")) for r in await first]
                await asyncio.sleep(max(0.0, held_until - time.monotonic()) + 0.5)  # the turns are free again
                return timed_out, "".join(getattr(block, "text", "") for block in third.content), seconds

        timed_out, busy, seconds = run(go())
        for message in timed_out:
            self.assertIn("exceeded the timeout of 4s", message)
        self.assertIn(f"the server is busy with other big lists; try again, or ask for limit: {BIG_LIST_ITEMS}", busy)
        self.assertLess(seconds, TIMEOUT)
        self.fake.faults.clear()
        self.assertNotIn("busy", self.text("list", resourceType="pods", limit=BIG_LIST_ITEMS + 1))
