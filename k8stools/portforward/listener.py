"""The local side of one session: a TCP listener per port, each connection pumped to the pod.

The listeners accept on the forwarder's event loop. Each accepted connection gets a thread that opens
its own websocket to the API server and then carries pod-to-client bytes, and a second thread that
carries client-to-pod bytes; each direction waits for its receiver, so nothing piles up in memory.
Counters are kept per connection (one writer each) and summed by the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from k8stools.guard import PodConnection
from k8stools.kube import KubeError
from k8stools.portforward.streams import PodPortStream, StreamClosed, open_pod_port

READ_SIZE = 256 * 1024
# After a client stops sending, the connection closes once the pod has been quiet this long.
HALF_CLOSE_GRACE_SECONDS = 1.0
# How often a connection thread looks whether it was asked to stop.
POLL_SECONDS = 0.5


@dataclass
class LiveSession:
    """One session's listeners and connections in this worker (loop-owned, except the counters of connections)."""

    session_id: str
    namespace: str
    pod: str
    pod_uid: str
    connection: PodConnection  # the port-forward request the guard allowed
    max_connections: int
    ports: list[tuple[int, int]] = field(default_factory=list)  # (bound local port, pod port)
    sockets: list[socket.socket] = field(default_factory=list)
    accepting: list[asyncio.Task[None]] = field(default_factory=list)
    connections: set[Connection] = field(default_factory=set)
    done_in: int = 0  # bytes of connections that ended
    done_out: int = 0
    accepted: int = 0
    counted_in: int = 0  # what the metrics already have
    counted_out: int = 0
    last_error: str = ""
    last_activity: float = field(default_factory=time.monotonic)
    ending: bool = False
    all_closed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def bytes_in(self) -> int:
        """Bytes from local clients to the pod."""
        return self.done_in + sum(connection.bytes_in for connection in list(self.connections))

    @property
    def bytes_out(self) -> int:
        """Bytes from the pod to local clients."""
        return self.done_out + sum(connection.bytes_out for connection in list(self.connections))

    def idle_for(self, now: float) -> float:
        return 0.0 if self.connections else now - self.last_activity


# Called on the loop when a connection ended in a way that may mean the pod is gone.
PodTrouble = Callable[[LiveSession], None]


class Connection:
    """One accepted client connection and its websocket, run by two threads."""

    def __init__(
        self, session: LiveSession, client: socket.socket, remote: int, *, on_end: Callable[[Connection], None]
    ) -> None:
        self.session = session
        self.client = client
        self.remote = remote
        self.on_end = on_end
        self.bytes_in = 0
        self.bytes_out = 0
        self.error = ""
        self.pod_ended = False  # the pod side closed first (or never opened)
        self.stream: PodPortStream | None = None
        self._stop = threading.Event()
        self._client_done_at = 0.0  # when the client stopped sending
        self.client_done = False

    def start(self) -> None:
        threading.Thread(target=self._run, name=f"portforward-{self.remote}", daemon=True).start()

    def stop(self) -> None:
        """Ask both threads to end (any thread)."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self.client.shutdown(socket.SHUT_RDWR)
        if self.stream is not None:
            self.stream.close()

    def _run(self) -> None:
        try:
            session = self.session
            try:
                self.stream = open_pod_port(session.connection, port=self.remote)
            except KubeError as error:
                self.error, self.pod_ended = f"port {self.remote}: {error.message}", True
                return
            if self._stop.is_set():
                return
            upstream = threading.Thread(target=self._upstream, name=f"portforward-{self.remote}-up", daemon=True)
            upstream.start()
            self._downstream(upstream)
            upstream.join()
            if self.stream.error.strip():
                self.error = f"port {self.remote}: {self.stream.error.strip()}"
        except Exception as error:  # a thread must not die silently: the session reports it
            self.error = f"port {self.remote}: {type(error).__name__}: {error}"
        finally:
            if self.stream is not None:
                self.stream.close()
            with contextlib.suppress(OSError):
                self.client.close()
            self.on_end(self)

    def _upstream(self) -> None:
        """Client to pod, until the client stops sending."""
        assert self.stream is not None
        try:
            while not self._stop.is_set():
                data = self.client.recv(READ_SIZE)
                if not data:
                    break
                self.bytes_in += len(data)
                self.stream.send(data)
        except (OSError, StreamClosed):
            pass
        self._client_done_at = time.monotonic()
        self.client_done = True

    def _downstream(self, upstream: threading.Thread) -> None:
        """Pod to client, until the pod side closes, the client is gone, or a stop."""
        assert self.stream is not None
        last_data = 0.0
        while not self._stop.is_set():
            if (
                not upstream.is_alive()
                and time.monotonic() - max(self._client_done_at, last_data) > HALF_CLOSE_GRACE_SECONDS
            ):
                return  # the client has said everything and the pod has nothing more to say
            try:
                data = self.stream.receive(
                    timeout=POLL_SECONDS if upstream.is_alive() else HALF_CLOSE_GRACE_SECONDS / 4
                )
            except StreamClosed:
                self.pod_ended = upstream.is_alive()
                with contextlib.suppress(OSError):
                    self.client.shutdown(socket.SHUT_WR)
                self.stop()  # ends the upstream thread too
                return
            if data is None:
                continue
            try:
                self.client.sendall(data)
            except OSError:
                self.stop()
                return
            self.bytes_out += len(data)
            last_data = time.monotonic()


async def open_listeners(
    session: LiveSession, *, bind_address: str, requested: list[tuple[int, int]], on_pod_trouble: PodTrouble
) -> None:
    """Bind one listener per port (0: any free port); on failure, close those already bound and raise OSError."""
    loop = asyncio.get_running_loop()
    try:
        for local, remote in requested:
            listener = socket.socket(socket.AF_INET6 if ":" in bind_address else socket.AF_INET, socket.SOCK_STREAM)
            session.sockets.append(listener)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((bind_address, local))
            listener.listen(128)
            listener.setblocking(False)
            session.ports.append((int(listener.getsockname()[1]), remote))
            session.accepting.append(loop.create_task(_accept(session, listener, remote, on_pod_trouble)))
    except OSError:
        await close_listeners(session)
        raise


async def _accept(session: LiveSession, listener: socket.socket, remote: int, on_pod_trouble: PodTrouble) -> None:
    loop = asyncio.get_running_loop()

    def ended(connection: Connection) -> None:  # on the connection's thread
        loop.call_soon_threadsafe(_connection_ended, session, connection, on_pod_trouble)

    while True:
        client, _ = await loop.sock_accept(listener)
        if session.ending:
            client.close()
            continue
        # Connections whose client has finished sending only wait a moment for the pod's last bytes.
        if sum(1 for connection in session.connections if not connection.client_done) >= session.max_connections:
            session.last_error = (
                f"a connection to local port {listener.getsockname()[1]} was refused: {session.max_connections} are "
                "open at once already (PORT_FORWARD_MAX_CONNECTIONS)"
            )
            client.close()
            continue
        client.setblocking(True)
        connection = Connection(session, client, remote, on_end=ended)
        session.connections.add(connection)
        session.all_closed.clear()
        session.accepted += 1
        connection.start()


def _connection_ended(session: LiveSession, connection: Connection, on_pod_trouble: PodTrouble) -> None:
    session.connections.discard(connection)
    session.done_in += connection.bytes_in
    session.done_out += connection.bytes_out
    session.last_activity = time.monotonic()
    if connection.error:
        session.last_error = connection.error
    if not session.connections:
        session.all_closed.set()
    if not session.ending and (connection.error or connection.pod_ended):
        on_pod_trouble(session)


async def close_listeners(session: LiveSession, timeout: float = 5.0) -> None:
    """Stop accepting, then end every open connection (waiting up to `timeout` for their threads)."""
    for task in session.accepting:
        task.cancel()
    await asyncio.gather(*session.accepting, return_exceptions=True)
    for listener in session.sockets:
        listener.close()
    if not session.connections:
        return
    for connection in list(session.connections):
        connection.stop()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(session.all_closed.wait(), timeout)
