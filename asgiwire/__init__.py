"""The ASGI shapes and the JSON-RPC error answer that every wrapper around `/mcp` shares.

A package of its own, knowing nothing of Django, the MCP SDK or the apps, so that `oauthgw` (the bearer gate) and
`mcpsite` (the transport wrappers) answer in the same form without `oauthgw` importing `mcpsite`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def send_jsonrpc_error(
    send: Send,
    status: int,
    code: int,
    message: str,
    headers: Iterable[tuple[bytes, bytes]] = (),
    data: Any = None,
    request_id: str | int | None = None,
) -> None:
    """An HTTP error whose body is a JSON-RPC error response, with the request's id when it is known (else null,
    as the MCP spec allows)."""
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    body = json.dumps({"jsonrpc": "2.0", "id": request_id, "error": error}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})
