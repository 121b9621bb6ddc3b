"""Tool calls reuse anyio's worker threads under a loop run the way daphne runs it (`run_forever`)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator

import anyio.to_thread
from django.test import SimpleTestCase

from mcpsite.mcp_http import LazySessionManager


@contextlib.asynccontextmanager
async def nothing_to_run() -> AsyncIterator[None]:
    yield


class WorkerThreadTests(SimpleTestCase):
    def threads_of_requests(self, requests: int) -> list[threading.Thread]:
        """The thread that ran each of `requests` sequential requests, each in a task of its own as daphne
        starts it, on a loop that runs by `run_forever` as under Twisted's reactor."""
        loop = asyncio.new_event_loop()
        manager = LazySessionManager(nothing_to_run)
        threads: list[threading.Thread] = []

        async def request() -> None:
            await manager.ensure_started()
            threads.append(await anyio.to_thread.run_sync(threading.current_thread))

        async def serve() -> None:
            for _ in range(requests):
                await loop.create_task(request())
            await manager.stop()
            loop.stop()

        loop.create_task(serve())
        try:
            loop.run_forever()
        finally:
            loop.close()
        return threads

    def test_sequential_requests_run_in_one_worker_thread(self) -> None:
        threads = self.threads_of_requests(4)
        self.assertEqual(len(threads), 4)
        self.assertEqual({id(thread) for thread in threads}, {id(threads[0])})
        self.assertIsNot(threads[0], threading.main_thread())

    def test_the_worker_thread_ends_when_the_manager_stops(self) -> None:
        thread = self.threads_of_requests(1)[0]
        thread.join(timeout=10)
        self.assertFalse(thread.is_alive())
