"""The MCP endpoint over streamable HTTP, as daphne serves it.

The SDK's Starlette app does the protocol; the wrappers here make it fit daphne and the web:
- `LazySessionManager`: daphne sends no ASGI lifespan events, so the SDK's session manager is
  started on the first request, once per process, and stopped from Twisted's "before shutdown"
  trigger (otherwise daphne hangs on SIGTERM once a sync tool has run in a worker thread).
- `flush_sse_headers`: daphne holds response headers until the first body chunk; an SSE stream
  whose first event comes late would keep the client waiting, so an empty chunk follows them.
- `HostOriginGuard`: DNS-rebinding protection with Django's host rules, answering in JSON-RPC.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from django.http.request import split_domain_port, validate_host

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger("kubemcp.http")

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")


async def send_jsonrpc_error(send: Send, status: int, code: int, message: str, headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    """An HTTP error whose body is a JSON-RPC error response without an id, as the MCP spec allows."""
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class HostOriginGuard:
    """Refuse requests whose Host is not ours (421) or whose Origin is not allowed (403)."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: list[str], allowed_origins: list[str]) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts
        self.allowed_origins = [origin.rstrip("/").lower() for origin in allowed_origins]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host") or ""
        domain, _port = split_domain_port(host)
        if not domain or not validate_host(domain, self.allowed_hosts):
            await send_jsonrpc_error(send, 421, -32600, f"Invalid Host header {host!r}: not an allowed host of this server")
            return
        origin = _header(scope, b"origin")
        if origin is not None and not self.origin_allowed(origin, domain):
            await send_jsonrpc_error(send, 403, -32600, f"Origin {origin!r} is not allowed")
            return
        await self.app(scope, receive, send)

    def origin_allowed(self, origin: str, request_host: str) -> bool:
        origin = origin.rstrip("/").lower()
        if origin in self.allowed_origins:
            return True
        scheme, _, rest = origin.partition("://")
        origin_host, _port = split_domain_port(rest)
        # A page served from loopback may talk to a server on loopback (local inspectors, desktop apps).
        return scheme in ("http", "https") and origin_host in LOOPBACK_HOSTS and request_host in LOOPBACK_HOSTS


def flush_sse_headers(app: ASGIApp) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: dict[str, Any]) -> None:
            await send(message)
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers") or []).get(b"content-type", b"")
                if content_type.startswith(b"text/event-stream"):
                    await send({"type": "http.response.body", "body": b"", "more_body": True})

        await app(scope, receive, sending)

    return wrapped


class LazySessionManager:
    """Runs the SDK session manager's task group for the life of the process, started on first use."""

    def __init__(self, run: Callable[[], Any]) -> None:
        self._run = run
        self._started: asyncio.Event | None = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def ensure_started(self) -> None:
        if self._started is not None and self._started.is_set():
            return
        async with self._lock:
            if self._task is None:
                self._started = asyncio.Event()
                self._stop = asyncio.Event()
                self._task = asyncio.get_running_loop().create_task(self._serve())
                _register_shutdown(self.stop)
        assert self._started is not None
        await self._started.wait()

    async def _serve(self) -> None:
        assert self._started is not None and self._stop is not None
        async with self._run():
            self._started.set()
            await self._stop.wait()

    async def stop(self) -> None:
        if self._task is None or self._stop is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(self._task, timeout=10)
        except (TimeoutError, asyncio.CancelledError):
            self._task.cancel()


def _register_shutdown(stop: Callable[[], Awaitable[None]]) -> None:
    """Stop the session manager before daphne's reactor shuts down (no-op outside Twisted)."""
    try:
        from twisted.internet import reactor
        from twisted.internet.defer import Deferred
    except ImportError:  # pragma: no cover - daphne depends on Twisted
        return
    if not getattr(reactor, "running", False):
        return

    def before_shutdown() -> Deferred[Any]:
        return Deferred.fromFuture(asyncio.ensure_future(stop()))

    reactor.addSystemEventTrigger("before", "shutdown", before_shutdown)


def with_session_manager(app: ASGIApp, manager: LazySessionManager) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await manager.ensure_started()
        await app(scope, receive, send)

    return wrapped
