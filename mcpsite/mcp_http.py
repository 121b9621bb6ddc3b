"""The MCP endpoint over streamable HTTP, as daphne serves it.

The SDK's Starlette app does the protocol; the wrappers here make it fit daphne and the web:
- `with_request_id`: every request has an id (the client's `X-Request-ID` when it is a short
  token, else a new one), echoed on the response and carried into the logs and the tool call.
- `LazySessionManager`: daphne sends no ASGI lifespan events, so the SDK's session manager is
  started on the first request, once per process, and stopped on shutdown once the requests in
  flight have drained (otherwise daphne hangs on SIGTERM once a sync tool has run in a worker
  thread); see mcpsite.graceful. Its task is also the one anyio's worker threads live for (see
  `keep_worker_threads`).
- `PromptAnswersAsJson`: a POST whose whole SSE stream would be its one answer, ready within
  `sse_after_seconds`, is sent as one JSON body instead (a 2025-11-25 client then keeps its
  connection); a progress notification, a question to the client or the deadline turns it into
  the SSE stream the SDK wrote. Once streaming, an empty chunk follows the headers: daphne holds
  response headers until the first body chunk, and a late first event would keep the client waiting.
- `HostOriginGuard`: DNS-rebinding protection with Django's host rules, answering in JSON-RPC.
- `RequestScreen`: refuses what the SDK would answer loosely (a batch as "invalid params", a
  wrong Content-Type as a plain-text 400, a GET stream that never ends on a stateless server)
  with the HTTP status and JSON-RPC code the specification names.
- `json_error_bodies`: every error leaves as a JSON-RPC error object, never text, HTML or a traceback.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import orjson
from django.http.request import split_domain_port, validate_host
from mcp_types import INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR, UNSUPPORTED_PROTOCOL_VERSION
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS

from asgiwire import ASGIApp, Receive, Scope, Send, send_jsonrpc_error
from k8stools.log import REQUEST_ID_SCOPE_KEY, bound_request_id

logger = logging.getLogger("kubemcp.http")

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")
REQUEST_ID_HEADER = b"x-request-id"
# HTTP token characters (RFC 9110), so an id from the client is safe in a header, a log line and a search.
_REQUEST_ID = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}")
SUPPORTED_PROTOCOL_VERSIONS = (*HANDSHAKE_PROTOCOL_VERSIONS, *MODERN_PROTOCOL_VERSIONS)
# Where a 2026-07-28 request names its revision; such a request is told the versions `server/discover` lists.
MODERN_VERSION_META = "io.modelcontextprotocol/protocolVersion"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def request_id_for(scope: Scope) -> str:
    """The client's `X-Request-ID` when it is a token of at most 64 characters, else a new id."""
    given = _header(scope, REQUEST_ID_HEADER)
    if given is not None and _REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def with_request_id(app: ASGIApp) -> ASGIApp:
    """Serve each request under its id: in the scope for the tool call, in every log line, in the response."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        request_id = request_id_for(scope)
        header = (REQUEST_ID_HEADER, request_id.encode())

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*(message.get("headers") or []), header]}
            await send(message)

        with bound_request_id(request_id):
            await app({**scope, REQUEST_ID_SCOPE_KEY: request_id}, receive, sending)

    return wrapped


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
            await send_jsonrpc_error(
                send, 421, -32600, f"Invalid Host header {host!r}: not an allowed host of this server"
            )
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


SSE_CONTENT_TYPE = b"text/event-stream"
# What an SSE stream's headers say that a JSON body's must not (sse-starlette's and the SDK's stream headers).
_STREAM_ONLY_HEADERS = (b"content-type", b"content-length", b"cache-control", b"connection", b"x-accel-buffering")
_SSE_LINE_END = re.compile(rb"\r\n|\r|\n")


def _header_value(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    return next((value for key, value in headers if key.lower() == name), b"")


def sse_events(stream: bytes) -> tuple[list[list[bytes]], bool]:
    """The whole events of an SSE body (each a list of its lines) and whether anything follows the last one."""
    events: list[list[bytes]] = []
    lines: list[bytes] = []
    *ended, unfinished = _SSE_LINE_END.split(stream)
    for line in ended:
        if line:
            lines.append(line)
        elif lines:
            events.append(lines)
            lines = []
    return events, bool(lines or unfinished)


def sole_answer(stream: bytes) -> bytes | None:
    """The JSON-RPC response when `stream` (a whole SSE body) is exactly one `message` event carrying a response
    and nothing else: no id (a resumable stream), no notification, no request, no comment; else None."""
    events, more = sse_events(stream)
    if len(events) != 1 or more:
        return None
    data: list[bytes] = []
    for line in events[0]:
        field, _, value = line.partition(b":")
        value = value[1:] if value.startswith(b" ") else value
        if field == b"data":
            data.append(value)
        elif field != b"event" or value != b"message":
            return None
    body = b"\n".join(data)
    try:
        message = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    is_response = isinstance(message, dict) and "id" in message and ("result" in message or "error" in message)
    return body if is_response and "method" not in message else None


class PromptAnswersAsJson:
    """Send a POST's SSE stream as one JSON body when the answer is all it carries and comes within
    `sse_after_seconds`; otherwise let the stream go as the SDK wrote it.

    The SDK's stateless transport streams every 2025-11-25 answer as SSE, so that progress, a warning or an
    elicitation can reach the client during the call. Most calls send none of these, and an SSE answer costs
    its framing and, with the SDK's client, the connection: it opens a new one after every stream (~1.5 ms a
    call, bench/RESULTS.md). So the headers are held back: a stream that ends with its one response is sent as
    `application/json` (which every client must accept); the first event that is not the response, or the
    deadline, sends the held headers and events and streams from then on. `sse_after_seconds=0` streams every
    answer. Streams that are not a POST's (a stateful session's GET) are never held.
    """

    def __init__(self, app: ASGIApp, *, sse_after_seconds: float) -> None:
        self.app = app
        self.sse_after_seconds = sse_after_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        holding = scope["method"] == "POST" and self.sse_after_seconds > 0
        held: dict[str, Any] | None = None
        events = bytearray()
        lock = asyncio.Lock()
        deadline: asyncio.TimerHandle | None = None
        answer: bytes | None = None  # the sole answer that `events` holds, read when it had `read_bytes` bytes
        read_bytes = 0
        at_deadline: list[asyncio.Task[None]] = []  # the loop keeps only a weak reference to a task

        async def stream_held() -> None:
            """Send the held headers and events as the SSE stream they are; from now on, pass everything on."""
            nonlocal held, holding
            if held is None:
                return
            start, held, holding = held, None, False
            if deadline is not None:
                deadline.cancel()
            await send(start)
            await send({"type": "http.response.body", "body": bytes(events), "more_body": True})
            events.clear()

        async def stream_at_deadline() -> None:
            async with lock:
                await stream_held()

        async def sending(message: dict[str, Any]) -> None:
            nonlocal held, deadline, answer, read_bytes
            async with lock:
                if message["type"] == "http.response.start":
                    is_stream = _header_value(message.get("headers") or [], b"content-type").startswith(
                        SSE_CONTENT_TYPE
                    )
                    if not is_stream:
                        await send(message)
                    elif holding and message["status"] == HTTPStatus.OK:
                        held = message
                        loop = asyncio.get_running_loop()
                        deadline = loop.call_later(
                            self.sse_after_seconds, lambda: at_deadline.append(loop.create_task(stream_at_deadline()))
                        )
                    else:
                        await send(message)
                        await send({"type": "http.response.body", "body": b"", "more_body": True})
                    return
                if held is None or message["type"] != "http.response.body":
                    await send(message)
                    return
                events.extend(message.get("body", b""))
                if len(events) != read_bytes:  # read once per new bytes: the last chunk is usually empty
                    answer, read_bytes = sole_answer(bytes(events)), len(events)
                if message.get("more_body", False):
                    if answer is None and sse_events(bytes(events))[0]:
                        await stream_held()  # a notification or a request for the client: stream it now
                    return
                if answer is None:
                    await stream_held()
                    await send(message | {"body": b""})
                    return
                start, held = held, None
                if deadline is not None:
                    deadline.cancel()
                headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() not in _STREAM_ONLY_HEADERS]
                headers += [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": answer})

        try:
            await self.app(scope, receive, sending)
        finally:
            if deadline is not None:
                deadline.cancel()
        async with lock:
            await stream_held()  # the app ended its stream unfinished: pass on what it sent


def keep_worker_threads(task: asyncio.Task[Any]) -> None:
    """Make `task` the one anyio's worker threads (`anyio.to_thread`, every tool call) live for.

    anyio stops a worker thread when the "root task" it started under ends. Under daphne the loop runs
    by `run_forever` (Twisted's reactor), so anyio finds no root task and takes the request's own: every
    tool call started a thread, which ended with its request (a thread start and its GIL hand-offs on
    the event loop, ~1-2 ms a call). With a task that lives as long as the worker, idle threads are
    reused, as they are under `asyncio.run` (stdio). anyio keeps the root in a private run variable;
    without it (another anyio), calls still work, one thread each.
    """
    try:
        from anyio._backends._asyncio import _root_task
    except ImportError:  # pragma: no cover - an anyio without it
        return
    _root_task.set(task)


class LazySessionManager:
    """Runs the SDK session manager's task group for the life of the process, started on first use.

    Its task starts in an empty context: it would otherwise keep the first request's id for good. It is
    also the root task of anyio's worker threads (`keep_worker_threads`).
    """

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
                self._task = asyncio.get_running_loop().create_task(self._serve(), context=contextvars.Context())
        assert self._started is not None
        await self._started.wait()

    async def _serve(self) -> None:
        assert self._started is not None and self._stop is not None
        task = asyncio.current_task()
        if task is not None:
            keep_worker_threads(task)
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


def with_session_manager(app: ASGIApp, manager: LazySessionManager) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await manager.ensure_started()
        await app(scope, receive, send)

    return wrapped


class RequestScreen:
    """Refuse unusable requests before the SDK sees them, in the words of the specification.

    Checked in order: the `MCP-Protocol-Version` header names a revision we serve (400, -32022,
    with the supported list); the method is POST, or GET/DELETE on a stateful server (405: a
    stateless server has no session stream to open or end); a POST says `Content-Type:
    application/json` (415), fits in `max_body_bytes` (413), parses (400, -32700) and is one
    JSON-RPC request, notification or response object (400, -32600: batches, a missing
    `jsonrpc`, a non-object `params`). What passes is replayed to the SDK unchanged.
    """

    def __init__(self, app: ASGIApp, *, stateless: bool, max_body_bytes: int) -> None:
        self.app = app
        self.stateless = stateless
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        version = _header(scope, b"mcp-protocol-version")
        if version is not None and version not in SUPPORTED_PROTOCOL_VERSIONS:
            await self._refuse_version(scope, receive, send, version)
            return
        method = scope["method"]
        allowed = "POST" if self.stateless else "GET, POST, DELETE"
        if method not in allowed.split(", "):
            message = f"Method Not Allowed: {method} /mcp; this server accepts {allowed}"
            if self.stateless and method in ("GET", "DELETE"):
                message += " (stateless: there is no session stream to open or end)"
            await send_jsonrpc_error(send, 405, INVALID_REQUEST, message, headers=[(b"allow", allowed.encode())])
            return
        if method != "POST":
            await self.app(scope, receive, send)
            return
        media_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if media_type != "application/json":
            await send_jsonrpc_error(
                send, 415, INVALID_REQUEST, "Unsupported Media Type: Content-Type must be application/json"
            )
            return
        body = await self._read_body(scope, receive, send)
        if body is None:
            return
        problem = _envelope_problem(body)
        if problem is not None:
            code, message = problem
            await send_jsonrpc_error(send, 400, code, message)
            return
        await self.app(scope, _replaying(body, receive), send)

    async def _refuse_version(self, scope: Scope, receive: Receive, send: Send, version: str) -> None:
        """400 with -32022, answering the request's own id. A 2026-07-28 request is told the versions that
        `server/discover` lists (the SDK's modern ones); any other request every version this server speaks."""
        request_id, modern = None, False
        media_type = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if scope["method"] == "POST" and media_type == "application/json":
            body = await self._read_body(scope, receive, send)
            if body is None:
                return
            request_id, modern = _id_and_era(body)
        supported = list(MODERN_PROTOCOL_VERSIONS if modern else SUPPORTED_PROTOCOL_VERSIONS)
        data = {"supported": supported, "requested": version}
        await send_jsonrpc_error(
            send, 400, UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version", data=data, request_id=request_id
        )

    async def _read_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None once a 413 has been sent for one over the limit."""
        too_large = f"Request body too large: the limit is {self.max_body_bytes} bytes"
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await send_jsonrpc_error(send, 413, INVALID_REQUEST, too_large)
            return None
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return None
            body.extend(message.get("body", b""))
            if len(body) > self.max_body_bytes:
                await send_jsonrpc_error(send, 413, INVALID_REQUEST, too_large)
                return None
            if not message.get("more_body", False):
                return bytes(body)


def _id_and_era(body: bytes) -> tuple[str | int | None, bool]:
    """A request body's JSON-RPC id (None when it has no usable one) and whether it is a 2026-07-28 request."""
    if _envelope_problem(body) is not None:
        return None, False
    decoded = json.loads(body)
    params = decoded.get("params")
    meta = params.get("_meta") if isinstance(params, dict) else None
    return decoded.get("id"), isinstance(meta, dict) and MODERN_VERSION_META in meta


def _envelope_problem(body: bytes) -> tuple[int, str] | None:
    """The JSON-RPC error (code, message) for a body that is not one usable message, else None."""
    try:
        decoded = json.loads(body)
    except RecursionError:
        return PARSE_ERROR, "Parse error: the JSON is nested too deeply"
    except ValueError as error:  # JSONDecodeError, bad UTF-8, integer literals too long to convert
        return PARSE_ERROR, f"Parse error: {error}"
    if isinstance(decoded, list):
        return INVALID_REQUEST, "Invalid Request: JSON-RPC batches are not supported; send one message per request"
    if not isinstance(decoded, dict):
        return INVALID_REQUEST, "Invalid Request: the body must be a JSON-RPC request, notification or response object"
    if decoded.get("jsonrpc") != "2.0":
        return INVALID_REQUEST, 'Invalid Request: "jsonrpc" must be "2.0"'
    if "id" in decoded and (isinstance(decoded["id"], bool) or not isinstance(decoded["id"], str | int)):
        return INVALID_REQUEST, 'Invalid Request: "id" must be a string or an integer'
    if "method" in decoded:
        if not isinstance(decoded["method"], str):
            return INVALID_REQUEST, 'Invalid Request: "method" must be a string'
        if "params" in decoded and not isinstance(decoded["params"], dict):
            return INVALID_REQUEST, 'Invalid Request: "params" must be an object'
        return None
    if ("result" in decoded or "error" in decoded) and "id" in decoded:
        return None  # a response to a request the server sent (stateful sessions)
    return (
        INVALID_REQUEST,
        'Invalid Request: a request needs "method" (and "id"); a response needs "id" and "result" or "error"',
    )


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


# Messages for the SDK's error responses that come without a body.
_ERROR_MESSAGES = {
    405: "Method Not Allowed",
    406: "Not Acceptable: the client must accept application/json and text/event-stream",
    413: "Request body too large",
}


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def json_error_bodies(app: ASGIApp) -> ASGIApp:
    """Give every error response a JSON-RPC error body, and turn a crash into a JSON 500.

    The SDK answers some refusals with plain text or an empty body (406 and 405 on the
    2026-07-28 path); clients and proxies should see the same JSON-RPC error object
    everywhere. Headers such as `Allow` are kept.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        held: dict[str, Any] | None = None
        text = bytearray()
        started = False

        async def sending(message: dict[str, Any]) -> None:
            nonlocal held, started
            if message["type"] == "http.response.start":
                started = True
                headers = message.get("headers") or []
                content_type = _header_value(headers, b"content-type")
                if message["status"] >= 400 and not content_type.lower().startswith(b"application/json"):
                    held = message
                    return
            elif held is not None and message["type"] == "http.response.body":
                text.extend(message.get("body", b""))
                if not message.get("more_body", False):
                    status = held["status"]
                    detail = text.decode("utf-8", "replace").strip()
                    fallback = _ERROR_MESSAGES.get(status) or _reason(status)
                    kept = [
                        (k, v)
                        for k, v in held.get("headers") or []
                        if k.lower() not in (b"content-type", b"content-length")
                    ]
                    code = INTERNAL_ERROR if status >= 500 else INVALID_REQUEST
                    await send_jsonrpc_error(send, status, code, detail or fallback, headers=kept)
                return
            await send(message)

        try:
            await app(scope, receive, sending)
        except Exception:
            if started:
                raise
            logger.exception("the MCP endpoint failed before answering")
            await send_jsonrpc_error(send, 500, INTERNAL_ERROR, "Internal error; the server log has details")

    return wrapped
