"""Assembling the `/mcp` and `/mcp/read-only` ASGI applications from the MCP servers and the HTTP wrappers."""

from __future__ import annotations

import asyncio
from typing import cast

from django.conf import settings
from mcp.server.transport_security import TransportSecuritySettings

from asgiwire import ASGIApp
from k8stools.portforward.lifecycle import shutdown_forwarder
from k8stools.read_only import ReadingOnly
from k8stools.server import KubeMCPServer
from mcpsite.graceful import GracefulShutdown
from mcpsite.mcp_http import (
    HostOriginGuard,
    LazySessionManager,
    PromptAnswersAsJson,
    RequestScreen,
    json_error_bodies,
    with_request_id,
    with_session_manager,
)

READ_ONLY_PATH = "/mcp/read-only"


async def stop_port_forwards() -> None:
    """Stop this worker's port-forward sessions, also any a call started while the worker drained."""
    await asyncio.to_thread(shutdown_forwarder)


def build_mcp_application(
    server: KubeMCPServer | None = None,
    *,
    path: str = "/mcp",
    read_only: bool = False,
    shutdown: GracefulShutdown | None = None,
) -> ASGIApp:
    """The MCP app served at `path`; `read_only` asks OAuth for `mcp:read` or `mcp` instead of `mcp` (the server's
    policy must then be narrowed to reading: see `build_mcp_applications`). Apps sharing `shutdown` drain together."""
    server = server or KubeMCPServer(request_state_key=settings.MCP_REQUEST_STATE_KEY)
    starlette_app = server.streamable_http_app(
        streamable_http_path=path,
        stateless_http=not settings.MCP_STATEFUL,
        json_response=settings.MCP_JSON_RESPONSE,
        max_request_body_size=settings.MAX_REQUEST_BODY_BYTES,
        max_sessions=settings.MCP_MAX_SESSIONS,
        session_idle_timeout=settings.MCP_SESSION_IDLE_SECONDS,
        # Host and Origin are checked by HostOriginGuard with Django's host rules (subdomain
        # wildcards, one list for the whole site); the SDK's own check would only repeat it.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    manager = LazySessionManager(server.session_manager.run)
    if shutdown is None:
        shutdown = GracefulShutdown(grace_seconds=settings.SHUTDOWN_GRACE_SECONDS)
        shutdown.after_drain(stop_port_forwards)
    shutdown.after_drain(manager.stop)
    # Starlette spells the ASGI types with MutableMapping where ours say dict: the same protocol.
    app: ASGIApp = PromptAnswersAsJson(cast(ASGIApp, starlette_app), sse_after_seconds=settings.MCP_SSE_AFTER_SECONDS)
    app = with_session_manager(app, manager)
    app = RequestScreen(app, stateless=not settings.MCP_STATEFUL, max_body_bytes=settings.MAX_REQUEST_BODY_BYTES)
    if settings.OAUTH_ENABLED:
        from oauthgw.gateway import protect

        app = protect(app, read_only=read_only)
    app = HostOriginGuard(app, allowed_hosts=settings.ALLOWED_HOSTS, allowed_origins=settings.ALLOWED_ORIGINS)
    return with_request_id(shutdown.wrap(json_error_bodies(app)))


def build_mcp_applications() -> tuple[ASGIApp, ASGIApp]:
    """`/mcp`, and `/mcp/read-only`: the same tools with the effective policy narrowed to reading, for clients
    that should never write, whatever the admin allows at `/mcp`."""
    shutdown = GracefulShutdown(grace_seconds=settings.SHUTDOWN_GRACE_SECONDS)
    shutdown.after_drain(stop_port_forwards)
    server = KubeMCPServer(request_state_key=settings.MCP_REQUEST_STATE_KEY)
    reading = KubeMCPServer(request_state_key=settings.MCP_REQUEST_STATE_KEY, policy=ReadingOnly(server.policy))
    return (
        build_mcp_application(server, shutdown=shutdown),
        build_mcp_application(reading, path=READ_ONLY_PATH, read_only=True, shutdown=shutdown),
    )
