"""Raw HTTP to `/mcp`, for what the SDK's client would never send: bad input, odd headers."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2

MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
MODERN_VERSION = "2026-07-28"
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}},
}


def modern_request(
    method: str, params: dict[str, Any] | None = None, request_id: int = 1
) -> tuple[dict[str, Any], dict[str, str]]:
    """A 2026-07-28 request body and the headers that must mirror it."""
    meta = {"io.modelcontextprotocol/protocolVersion": MODERN_VERSION, "io.modelcontextprotocol/clientCapabilities": {}}
    body = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": {**(params or {}), "_meta": meta}}
    headers = {"mcp-protocol-version": MODERN_VERSION, "mcp-method": method}
    if method == "tools/call" and params:
        headers["mcp-name"] = params["name"]
    return body, headers


def send(
    url: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str | None] | None = None,
    method: str = "POST",
    timeout: float = 15.0,
) -> httpx2.Response:
    """One request; a header given as None is left out (no default `Accept` is added either)."""
    merged: dict[str, str | None] = {**MCP_HEADERS, **(headers or {})}
    content = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    with httpx2.Client(timeout=timeout) as client:
        client.headers.pop("accept", None)
        return client.request(method, url, content=content, headers={k: v for k, v in merged.items() if v is not None})


def json_rpc_messages(response: httpx2.Response) -> list[dict[str, Any]]:
    """The JSON-RPC messages of a response, whether JSON or an SSE stream."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        return [
            json.loads(line[len("data:") :])
            # SSE lines end at CR, LF or CRLF only; str.splitlines() would also cut at U+0085 and the like,
            # which JSON text may carry unescaped.
            for line in re.split(r"\r\n|\r|\n", response.text)
            if line.startswith("data:") and line[len("data:") :].strip()
        ]
    return [response.json()]
