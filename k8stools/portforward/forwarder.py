"""This process's port-forward sessions: an event loop of their own, their listeners, their upkeep.

The forwarder starts with the first session of a process (or the first stop that must reach another
worker) and runs an asyncio loop in a daemon thread, beside daphne's own. Besides the listeners it
runs two tasks: the stop listener on the Channels layer (k8stools.portforward.messages), and the
upkeep every `check_seconds`: save byte counters and the heartbeat, close sessions whose row was
ended elsewhere, stop idle sessions and sessions the policy no longer allows, fail sessions whose
pod went away, and mark failed the sessions of workers that vanished. Workflows (sync code in
worker threads) call the `*_sync` methods, which run on the loop and wait for the result.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from django.db import connections

from k8stools.guard import PodConnection
from k8stools.kube import KubeError
from k8stools.log import Logger
from k8stools.metrics import Metrics
from k8stools.policy import Policy, denial_message
from k8stools.portforward import records
from k8stools.portforward.config import PortForwardConfig
from k8stools.portforward.listener import LiveSession, close_listeners, open_listeners
from k8stools.portforward.messages import StopListener, request_stop, shared_layer
from k8stools.portforward.records import Progress
from k8stools.portforward.targets import check_pod

T = TypeVar("T")
OPERATION = "port-forward"
# Pod checks after a connection ended oddly, at most this often per session.
TROUBLE_CHECK_SECONDS = 1.0


class Forwarder:
    """The sessions this worker holds, on an event loop in a thread of their own."""

    def __init__(
        self,
        *,
        config: PortForwardConfig,
        worker_id: str,
        metrics: Metrics,
        logger: Logger,
        policy: Callable[[], Policy],
    ) -> None:
        self.config = config
        self.worker_id = worker_id
        self.metrics = metrics
        self.logger = logger
        self.policy = policy
        self.sessions: dict[str, LiveSession] = {}
        self._loop = asyncio.new_event_loop()
        # Pod checks (blocking Kubernetes calls), and the database, apart; connections have threads of their own.
        self._io = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="portforward-io")
        self._db = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="portforward-db")
        self._thread = threading.Thread(target=self._loop.run_forever, name="portforward", daemon=True)
        self._thread.start()
        self._tasks: list[asyncio.Task[None]] = []
        self._listener: StopListener | None = None
        self._last_trouble_check: dict[str, float] = {}
        self._closed = False

    # --- called from workflows (any thread but the loop's) -----------------------------------------------

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def open_sync(
        self,
        *,
        session_id: str,
        connection: PodConnection,
        namespace: str,
        pod: str,
        pod_uid: str,
        ports: list[tuple[int, int]],
    ) -> list[tuple[int, int]]:
        """Listen for the session; the (bound local port, pod port) pairs. OSError when a port cannot be bound."""
        return self.run(
            self.open(
                session_id=session_id, connection=connection, namespace=namespace, pod=pod, pod_uid=pod_uid, ports=ports
            )
        )

    def stop_sync(self, session_id: str, *, by: str) -> bool:
        """Close a session of this worker (its row is already marked); False when it holds no such session."""
        return self.run(self.stop_recorded(session_id, by))

    def request_stop_sync(self, *, worker_id: str, session_id: str, by: str, timeout: float = 3.0) -> bool:
        """Ask another worker to close a session; True when it confirmed."""
        layer = shared_layer()
        if layer is None:
            return False
        try:
            return self.run(
                request_stop(layer, worker_id=worker_id, session_id=session_id, by=by, timeout=timeout), timeout + 5.0
            )
        except Exception as error:  # Redis away: the row is marked, the worker sees it at its next check
            self.logger.warning("port-forward stop request not sent", worker=worker_id, error=repr(error))
            return False

    @property
    def closed(self) -> bool:
        return self._closed

    def shutdown(self) -> None:
        """Stop every session of this worker and mark it stopped; then end the loop. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            self.run(self._shutdown(), timeout=20.0)
        except Exception as error:
            self.logger.error("port-forward shutdown failed", error=repr(error))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5.0)
        self._io.shutdown(wait=False, cancel_futures=True)
        self._db.submit(connections.close_all)  # the thread's database connection must not outlive it
        self._db.shutdown(wait=True)

    # --- on the loop ---------------------------------------------------------------------------------

    async def open(
        self,
        *,
        session_id: str,
        connection: PodConnection,
        namespace: str,
        pod: str,
        pod_uid: str,
        ports: list[tuple[int, int]],
    ) -> list[tuple[int, int]]:
        self._start_tasks()
        session = LiveSession(
            session_id=session_id,
            namespace=namespace,
            pod=pod,
            pod_uid=pod_uid,
            connection=connection,
            max_connections=self.config.max_connections,
        )
        await open_listeners(
            session, bind_address=self.config.bind_address, requested=ports, on_pod_trouble=self._pod_trouble
        )
        self.sessions[session_id] = session
        self.metrics.increment("port_forward_sessions_active", 1)
        self.metrics.increment("port_forward_sessions_started_total")
        return list(session.ports)

    async def stop_recorded(self, session_id: str, by: str) -> bool:
        """Close a session whose end is already in the database (a stop request)."""
        session = self.sessions.get(session_id)
        if session is None:
            return False
        await self._end(session, status=None, by=by)
        return True

    async def _end(self, session: LiveSession, *, status: str | None, by: str, error: str = "") -> None:
        """Close the session's listeners and connections, then record the end (`status` None: already recorded)."""
        if session.ending:
            return
        session.ending = True
        await close_listeners(session)
        self.sessions.pop(session.session_id, None)
        self._last_trouble_check.pop(session.session_id, None)
        self.metrics.increment("port_forward_sessions_active", -1)
        self.metrics.increment("port_forward_sessions_ended_total", status=status or "stopped")
        self._count_bytes(session)
        await self._in_db(records.finish, _progress(session), status=status, by=by, error=error)

    def _count_bytes(self, session: LiveSession) -> None:
        """Add what the session forwarded since the last count to the byte metrics."""
        self.metrics.increment("port_forward_bytes_total", session.bytes_in - session.counted_in, direction="in")
        self.metrics.increment("port_forward_bytes_total", session.bytes_out - session.counted_out, direction="out")
        session.counted_in, session.counted_out = session.bytes_in, session.bytes_out

    async def _in_db(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self._loop.run_in_executor(self._db, lambda: function(*args, **kwargs))

    async def _in_io(self, function: Callable[..., T], *args: Any) -> T:
        return await self._loop.run_in_executor(self._io, function, *args)

    def _start_tasks(self) -> None:
        if self._tasks:
            return
        self._tasks.append(self._loop.create_task(self._upkeep()))
        layer = shared_layer()
        if layer is not None:
            self._listener = StopListener(
                layer,
                worker_id=self.worker_id,
                stop=self._stop_requested,
                on_error=lambda text: self.logger.warning("port-forward stop listener", error=text),
            )
            self._tasks.append(self._loop.create_task(self._listener.run()))

    async def _stop_requested(self, session_id: str, by: str) -> bool:
        return await self.stop_recorded(session_id, by)

    async def _shutdown(self) -> None:
        for session in list(self.sessions.values()):
            await self._end(session, status="stopped", by="server shutdown")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._listener is not None:
            try:
                await asyncio.wait_for(self._listener.leave(), 2.0)
            except Exception as error:
                self.logger.warning("port-forward stop listener did not leave its group", error=repr(error))

    # --- upkeep ----------------------------------------------------------------------------------------

    async def _upkeep(self) -> None:
        while True:
            await asyncio.sleep(self.config.check_seconds)
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database or the API server is away: try again next time
                self.logger.warning("port-forward upkeep failed", error=repr(error))

    async def check(self) -> None:
        """One round of upkeep (see the module docstring)."""
        sessions = list(self.sessions.values())
        for session in sessions:
            self._count_bytes(session)
        ended_elsewhere = await self._in_db(records.save_progress, self.worker_id, [_progress(s) for s in sessions])
        for session in sessions:
            if session.session_id in ended_elsewhere:
                await self._end(session, status=None, by="")
        now = time.monotonic()
        idle_limit = self.config.idle_timeout_seconds
        policy = await self._in_db(self.policy)
        for session in list(self.sessions.values()):
            if idle_limit and session.idle_for(now) >= idle_limit:
                await self._end(
                    session,
                    status="stopped",
                    by="idle timeout",
                    error=f"no connection for {idle_limit:g}s (PORT_FORWARD_IDLE_TIMEOUT_SECONDS)",
                )
            elif not policy.allows(OPERATION):
                await self._end(session, status="stopped", by="policy", error=denial_message(OPERATION, policy))
            elif policy.is_restricted(session.namespace):
                await self._end(
                    session,
                    status="stopped",
                    by="policy",
                    error=f'namespace "{session.namespace}" became restricted by the server policy',
                )
        await asyncio.gather(*(self._check_pod(session) for session in list(self.sessions.values())))
        await self._in_db(records.sweep_vanished_workers, self.worker_id, self.config.stale_seconds)
        if self._listener is not None:
            await self._listener.join()

    async def _check_pod(self, session: LiveSession) -> None:
        try:
            problem = await self._in_io(check_pod, session.connection, session.pod_uid)
        except KubeError as error:
            if error.status in (401, 403):  # expired credentials (a user's ID token) or withdrawn RBAC
                problem = f"the API server refused the session's credentials ({error.message}); start a new session"
            else:  # the API server is unreachable or failing: not a reason to end the session
                session.last_error = f"checking pod {session.pod}: {error.message}"
                return
        if problem and not session.ending:
            await self._end(session, status="failed", by="pod check", error=problem)

    def _pod_trouble(self, session: LiveSession) -> None:
        """A connection ended oddly: look at the pod soon (at most once a second per session)."""
        now = time.monotonic()
        if now - self._last_trouble_check.get(session.session_id, 0.0) < TROUBLE_CHECK_SECONDS:
            return
        self._last_trouble_check[session.session_id] = now
        self._loop.create_task(self._check_pod(session))


def _progress(session: LiveSession) -> Progress:
    return Progress(
        session_id=session.session_id,
        bytes_in=session.bytes_in,
        bytes_out=session.bytes_out,
        connections=session.accepted,
        last_error=session.last_error,
    )
