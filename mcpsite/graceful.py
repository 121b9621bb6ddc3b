"""Graceful shutdown of the MCP endpoint under daphne.

On SIGTERM Twisted fires its "before shutdown" triggers, and daphne's own trigger, the first,
cancels every application instance: a tool call in flight would be cut off and its client would
get no answer. `GracefulShutdown` runs each POST to /mcp in a task of its own that such a
cancellation does not reach; its trigger, which Twisted calls straight after daphne's, closes the
listening sockets, answers any request that still arrives with a 503, waits up to the grace
period for the requests in flight, and then runs the stop steps (the SDK's session manager, the
port-forward sessions). Twisted ends the reactor once every trigger is done, and daphne exits.
A request cut off at the end of the grace period may leave its tool's worker thread blocked on
the API server, and the interpreter would wait for that thread at exit: then the process ends
without waiting, once the reactor has closed every connection.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from mcp_types import INTERNAL_ERROR

from asgiwire import ASGIApp, Receive, Scope, Send, send_jsonrpc_error
from k8stools.log import Logger

logger = Logger("kubemcp.http")

SHUTTING_DOWN = "The server is shutting down; send the request again and another worker will answer"


class GracefulShutdown:
    def __init__(self, *, grace_seconds: float) -> None:
        self.grace_seconds = grace_seconds
        self.draining = False
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stop_steps: list[Callable[[], Awaitable[Any]]] = []
        self._installed = False

    def after_drain(self, step: Callable[[], Awaitable[Any]]) -> None:
        """Run `step` on shutdown, once the requests in flight have finished or the grace period is over."""
        self._stop_steps.append(step)

    def wrap(self, app: ASGIApp) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            if self.draining:
                headers = [(b"retry-after", b"1"), (b"connection", b"close")]
                await send_jsonrpc_error(send, 503, INTERNAL_ERROR, SHUTTING_DOWN, headers=headers)
                return
            self._install()
            if scope["method"] != "POST":
                await app(scope, receive, send)  # a GET stream never ends: shutdown may cut it
                return
            await self._run_through_shutdown(app(scope, receive, send))

        return wrapped

    async def _run_through_shutdown(self, call: Awaitable[None]) -> None:
        task = asyncio.ensure_future(call)
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if not self.draining:  # the client went away: the request ends now
                task.cancel()
            await asyncio.wait({task})
            raise

    def _install(self) -> None:
        """Hook the drain to daphne's reactor once, on the first request (no reactor, no hook)."""
        if self._installed:
            return
        self._installed = True
        if "twisted.internet.reactor" not in sys.modules:
            return  # not under daphne: importing the reactor here would install one
        from twisted.internet.defer import Deferred

        reactor = _reactor()
        if not reactor.running:
            return

        def before_shutdown() -> Deferred[None]:
            # Set now, in the same turn as daphne's cancellations and before they reach any request.
            self.draining = True
            return Deferred.fromFuture(asyncio.ensure_future(self.drain()))

        reactor.addSystemEventTrigger("before", "shutdown", before_shutdown)

    async def drain(self) -> None:
        """Stop accepting, let the requests in flight finish within the grace period, then stop the rest."""
        self.draining = True
        _stop_listening()
        if self._in_flight:
            logger.info("shutting down: waiting for requests in flight", requests=len(self._in_flight))
            _, cut_off = await asyncio.wait(set(self._in_flight), timeout=self.grace_seconds)
            if cut_off:
                logger.warning(
                    "shutting down: grace period over, requests cut off",
                    requests=len(cut_off),
                    grace_seconds=self.grace_seconds,
                )
                for task in cut_off:
                    task.cancel()
                await asyncio.wait(cut_off)
                _exit_after_shutdown()
        for step in self._stop_steps:
            try:
                await step()
            except Exception as error:  # one failing step must not keep the others from running
                logger.error("shutdown step failed", step=getattr(step, "__qualname__", repr(step)), error=repr(error))


def _stop_listening() -> None:
    """Close daphne's listening sockets: a new connection is refused, so a balancer picks another worker."""
    from twisted.internet import tcp

    for reader in _reactor().getReaders():
        if isinstance(reader, tcp.Port):
            reader.stopListening()


def _exit_after_shutdown() -> None:
    """Once the reactor has stopped, end the process without waiting for the worker threads."""

    def exit_now() -> None:
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)

    _reactor().addSystemEventTrigger("after", "shutdown", exit_now)


def _reactor() -> Any:
    """Twisted's global reactor (daphne's asyncio reactor), untyped: its interfaces confuse mypy."""
    from twisted.internet import reactor

    return reactor
