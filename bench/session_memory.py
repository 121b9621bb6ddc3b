"""What one open stateful MCP session costs a worker in memory, to size MCP_MAX_SESSIONS.

    python bench/session_memory.py              # 400 sessions, ~20 s: resident memory per session
    python bench/session_memory.py --heap       # Python heap per session instead (tracemalloc, which itself
                                                # inflates the resident figure, so not both at once)

In one process: the `/mcp` application as a worker builds it with MCP_STATEFUL on, over ASGI; each session is an
`initialize` and its `notifications/initialized`, then left open (the SDK keeps its server task and streams until
the session ends or idles out). Reported: resident-set growth per session (/proc/self/statm), or Python heap
growth per session (tracemalloc), after a warm-up session and a garbage collection on both sides.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tracemalloc
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mcpsite.settings")

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}},
}
HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def open_sessions(app: object, count: int) -> list[str]:
    import httpx2

    transport = httpx2.ASGITransport(app=app)  # type: ignore[arg-type]
    sessions = []
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for _ in range(count):
            response = await client.post("/mcp", json=INITIALIZE, headers=HEADERS)
            session = response.headers["mcp-session-id"]
            initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
            await client.post("/mcp", json=initialized, headers={**HEADERS, "mcp-session-id": session})
            sessions.append(session)
    return sessions


async def measure(count: int) -> tuple[float, float]:
    from django.test import override_settings

    from mcpsite.mcp_endpoint import build_mcp_application

    limit = count + 10
    with override_settings(ALLOWED_HOSTS=["testserver"], MCP_STATEFUL=True, MCP_JSON_RESPONSE=True,
                           MCP_MAX_SESSIONS=limit):  # fmt: skip
        app = build_mcp_application()
    await open_sessions(app, 1)  # warm-up: the session manager, imports, first-use caches
    gc.collect()
    heap_before, rss_before = tracemalloc.get_traced_memory()[0], resident_bytes()  # heap 0 unless --heap
    await open_sessions(app, count)
    await asyncio.sleep(0.5)  # let every session's server task reach its idle wait
    gc.collect()
    heap_after, rss_after = tracemalloc.get_traced_memory()[0], resident_bytes()
    return (heap_after - heap_before) / count, (rss_after - rss_before) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=400)
    parser.add_argument("--heap", action="store_true", help="Python heap per session (tracemalloc)")
    options = parser.parse_args()
    import django

    django.setup()
    if options.heap:
        tracemalloc.start()
    heap, rss = asyncio.run(measure(options.sessions))
    figure = f"{heap / 1024:.1f} kB Python heap" if options.heap else f"{rss / 1024:.1f} kB resident memory"
    print(f"{options.sessions} open stateful sessions: {figure} per session")


if __name__ == "__main__":
    main()
