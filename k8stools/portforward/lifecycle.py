"""The forwarder of this process: made on first use, stopped with the server.

On first use a process also marks failed the sessions that workers which are gone left live. The
sessions of this worker are stopped (and marked) on graceful shutdown: from daphne's Twisted
"before shutdown" trigger, and from `ServerContext.shutdown()` for other hosts (stdio, tests).
"""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any

from k8stools.context import ServerContext
from k8stools.portforward import records
from k8stools.portforward.config import PortForwardConfig
from k8stools.portforward.forwarder import Forwarder
from k8stools.portforward.worker import current_worker_id

_forwarder: Forwarder | None = None
_swept = False
_lock = threading.Lock()


def sweep_once(config: PortForwardConfig | None = None) -> None:
    """The first time in this process: mark failed the live sessions of workers that are gone."""
    global _swept
    with _lock:
        if _swept:
            return
        _swept = True
    config = config or PortForwardConfig.from_settings()
    records.sweep_vanished_workers(current_worker_id(), config.stale_seconds)


def get_forwarder(server: ServerContext, config: PortForwardConfig | None = None) -> Forwarder:
    """This process's forwarder, started (and hooked to shutdown) on first use."""
    global _forwarder
    with _lock:
        if _forwarder is None or _forwarder.closed:
            _forwarder = Forwarder(
                config=config or PortForwardConfig.from_settings(),
                worker_id=current_worker_id(),
                metrics=server.metrics,
                logger=server.logger,
                policy=server.policy.current,
            )
            server.on_shutdown(_forwarder.shutdown)
            _before_reactor_shutdown(_forwarder)
        return _forwarder


def shutdown_forwarder() -> None:
    """Stop this process's forwarder now (its sessions end as stopped); the next use starts a new one."""
    global _forwarder
    with _lock:
        forwarder, _forwarder = _forwarder, None
    if forwarder is not None:
        forwarder.shutdown()


def current_forwarder() -> Forwarder | None:
    """The forwarder if this process has one (no start)."""
    return _forwarder


def _before_reactor_shutdown(forwarder: Forwarder) -> None:
    """Under daphne, stop the sessions before the reactor stops (SIGTERM); no-op elsewhere."""
    if "twisted.internet.reactor" not in sys.modules:
        return  # no Twisted reactor in this process: importing one here would install it
    from twisted.internet import reactor
    from twisted.internet.defer import Deferred

    if not getattr(reactor, "running", False):
        return

    def before_shutdown() -> Deferred[Any]:
        # The reactor runs on daphne's asyncio loop; the database work must not block it.
        return Deferred.fromFuture(asyncio.ensure_future(asyncio.to_thread(forwarder.shutdown)))

    reactor.callFromThread(reactor.addSystemEventTrigger, "before", "shutdown", before_shutdown)
