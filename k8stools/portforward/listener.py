"""The local side of one session: a TCP listener per port, each connection pumped to the pod.

Runs on the forwarder's event loop. Every accepted connection opens its own websocket to the API
server (in a thread: the handshake blocks) and then moves bytes both ways, counting them, until
either side closes. The websocket protocol has no half-close: once a client stops sending, the
connection ends when the pod side has nothing more to say.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

from k8stools.kube import KubeClient, KubeError
from k8stools.portforward.streams import PodPortStream, open_pod_port

READ_SIZE = 256 * 1024
CONNECT_TIMEOUT_SECONDS = 15.0


@dataclass
class LiveSession:
    """One session's listeners and connections in this worker."""

    session_id: str
    namespace: str
    pod: str
    pod_uid: str
    client: KubeClient
    max_connections: int
    ports: list[tuple[int, int]] = field(default_factory=list)  # (bound local port, pod port)
    servers: list[asyncio.Server] = field(default_factory=list)
    connections: set[asyncio.Task[None]] = field(default_factory=set)
    bytes_in: int = 0
    bytes_out: int = 0
    counted_in: int = 0  # what the metrics already have
    counted_out: int = 0
    accepted: int = 0
    last_error: str = ""
    last_activity: float = field(default_factory=time.monotonic)
    ending: bool = False

    def idle_for(self, now: float) -> float:
        return 0.0 if self.connections else now - self.last_activity


# Called when a connection ended in a way that may mean the pod is gone.
PodTrouble = Callable[[LiveSession], None]


async def open_listeners(
    session: LiveSession,
    *,
    bind_address: str,
    requested: list[tuple[int, int]],
    executor: Executor,
    on_pod_trouble: PodTrouble,
) -> None:
    """Bind one listener per port (0: any free port); on failure, close those already bound and raise OSError."""
    try:
        for local, remote in requested:
            server = await asyncio.start_server(
                _handler(session, remote, executor, on_pod_trouble), bind_address, local, reuse_address=True
            )
            session.servers.append(server)
            session.ports.append((int(server.sockets[0].getsockname()[1]), remote))
    except OSError:
        await close_listeners(session)
        raise


async def close_listeners(session: LiveSession) -> None:
    """Stop accepting, then end every open connection."""
    for server in session.servers:
        server.close()
    for task in list(session.connections):
        task.cancel()
    await asyncio.gather(*session.connections, return_exceptions=True)


def _handler(
    session: LiveSession, remote: int, executor: Executor, on_pod_trouble: PodTrouble
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if session.ending or len(session.connections) >= session.max_connections:
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        session.connections.add(task)
        session.accepted += 1
        try:
            await _forward(session, remote, reader, writer, executor, on_pod_trouble)
        finally:
            session.connections.discard(task)
            session.last_activity = time.monotonic()
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    return handle


async def _forward(
    session: LiveSession,
    remote: int,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    executor: Executor,
    on_pod_trouble: PodTrouble,
) -> None:
    loop = asyncio.get_running_loop()
    opening = loop.run_in_executor(
        executor, lambda: open_pod_port(session.client, namespace=session.namespace, pod=session.pod, port=remote)
    )
    try:
        stream = await asyncio.wait_for(asyncio.shield(opening), CONNECT_TIMEOUT_SECONDS)
    except (asyncio.CancelledError, TimeoutError):
        opening.add_done_callback(_close_opened)  # a websocket that opens after all must not linger
        if not session.ending:
            session.last_error = f"opening a stream to pod port {remote} took longer than {CONNECT_TIMEOUT_SECONDS:g}s"
        raise
    except KubeError as error:
        session.last_error = f"port {remote}: {error.message}"
        on_pod_trouble(session)
        return
    pod_reader, pod_writer = await asyncio.open_connection(sock=stream.socket)
    upstream = asyncio.create_task(_pump(reader, pod_writer, session, inbound=True))
    downstream = asyncio.create_task(_pump(pod_reader, writer, session, inbound=False))
    pod_ended_first = False
    try:
        done, _ = await asyncio.wait({upstream, downstream}, return_when=asyncio.FIRST_COMPLETED)
        pod_ended_first = upstream not in done
        if upstream in done and not upstream.cancelled() and upstream.exception() is None:
            await downstream  # the client has said everything; let the pod finish its answer
    finally:
        for task in (upstream, downstream):
            task.cancel()
        await asyncio.gather(upstream, downstream, return_exceptions=True)
        pod_writer.close()
        error = stream.error()
        if error:
            session.last_error = f"port {remote}: {error}"
        if not session.ending and (error or pod_ended_first):
            on_pod_trouble(session)


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, session: LiveSession, *, inbound: bool
) -> None:
    while data := await reader.read(READ_SIZE):
        if inbound:
            session.bytes_in += len(data)
        else:
            session.bytes_out += len(data)
        writer.write(data)
        await writer.drain()
    if inbound and writer.can_write_eof():
        writer.write_eof()  # tells the stream thread the client is done; it then closes the websocket


def _close_opened(future: asyncio.Future[PodPortStream]) -> None:
    if not future.cancelled() and future.exception() is None:
        future.result().close()
