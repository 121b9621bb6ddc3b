"""The aiohttp middlewares every request goes through, runtime routes included:
recording, fault injection, authentication/authorization, then the REST fallback."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .impersonation import Subject, impersonation_headers
from .recording import RecordedRequest
from .request_info import IDENTITY, REQUEST_INFO, SUBJECT, parse_request
from .status import ApiError

if TYPE_CHECKING:
    from .cluster import FakeCluster

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The answer handed to aiohttp after a connection was dropped on purpose; nothing reaches the client, and the
# request is recorded with no status.
DROPPED = 499
# A request whose identity was refused (unknown token, impersonation not granted) is recorded before it is refused.
_REFUSAL = web.RequestKey("identity_refusal", ApiError)


def build_middlewares(cluster: FakeCluster) -> list[Callable[..., Awaitable[web.StreamResponse]]]:
    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        query = {key: request.query[key] for key in request.query}
        info = parse_request(request.method, request.path, query)
        identity = cluster.auth.identify(request.headers.get("Authorization"))
        try:
            subject = cluster.auth.subject_of(request.headers, impersonation_headers(request.headers.items()))
        except ApiError as error:
            subject, request[_REFUSAL] = Subject(identity), error
        identity = subject.username
        request[REQUEST_INFO] = info
        request[IDENTITY] = identity
        request[SUBJECT] = subject
        entry = RecordedRequest(
            method=request.method,
            path=request.path,
            query=query,
            verb=info.verb,
            resource=info.resource,
            subresource=info.subresource,
            namespace=info.namespace,
            name=info.name,
            group=info.group,
            identity=identity,
            dry_run="dryRun" in query,
            content_type=request.headers.get("Content-Type", ""),
            user_agent=request.headers.get("User-Agent", ""),
            impersonator=subject.impersonator,
        )
        cluster.request_log.append(entry)
        try:
            response = await handler(request)
        except web.HTTPException as error:
            entry.status = error.status
            raise
        entry.status = None if response.status == DROPPED else response.status
        return response

    @web.middleware
    async def inject_faults(request: web.Request, handler: Handler) -> web.StreamResponse:
        fault = cluster.faults.take(request.method, request.path)
        if fault is None:
            return await handler(request)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.drop and fault.drop_after is None:
            _abort(request)
            return web.Response(status=DROPPED)
        if fault.status:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else None
            message = fault.message or _fault_message(fault.status)
            details: dict[str, Any] = {"retryAfterSeconds": fault.retry_after} if fault.retry_after else {}
            return ApiError(fault.status, message, headers=headers, **details).response()
        if fault.drop and fault.drop_after is not None:
            task = asyncio.ensure_future(handler(request))
            await asyncio.sleep(fault.drop_after)
            _abort(request)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
                await task
            return web.Response(status=DROPPED)
        return await handler(request)

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        refusal = request.get(_REFUSAL)
        if refusal is not None:
            return refusal.response()
        try:
            cluster.auth.authorize(request[SUBJECT], request[REQUEST_INFO])
        except ApiError as error:
            return error.response()
        return await handler(request)

    @web.middleware
    async def fall_back_to_rest(request: web.Request, handler: Handler) -> web.StreamResponse:
        # Routes registered explicitly (runtime streams) win; everything else is the generic REST surface.
        if getattr(request.match_info, "http_exception", None) is not None:
            return await cluster.rest.dispatch(request)
        return await handler(request)

    return [record, inject_faults, authenticate, fall_back_to_rest]


def _abort(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.abort()


def _fault_message(code: int) -> str:
    return {
        429: "Too many requests, please try again later.",
        500: "Internal error occurred: injected fault",
        503: "The server is currently unable to handle the request",
        504: "Timeout: request did not complete within the allotted timeout",
    }.get(code, f"injected fault {code}")
