"""Port-forward the way kubectl and client-go do it: SPDY streams, tunnelled in a websocket or on raw HTTP.

Each forwarded connection is a pair of client-opened streams sharing a `requestid` header:
an error stream and a data stream naming the `port`. As in the kubelet, the data stream is
bridged to one TCP connection (to the server a test exposed), anything that goes wrong is
written to the error stream, and both are closed when either side of the bridge ends.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from fakekube.runtime_pods import Refusal, connection_refused
from fakekube.runtime_spdy import RST_CANCEL, SpdySession, SpdyStream, accept_spdy, offered_protocols
from fakekube.runtime_streams import ActiveStream, ClusterView

if TYPE_CHECKING:
    from fakekube.runtime import PodRuntime

SPDY_TUNNEL_PROTOCOL = "SPDY/3.1+portforward.k8s.io"
STREAM_PROTOCOL = "portforward.k8s.io"
READ_SIZE = 64 * 1024
# The kubelet gives the other direction this long to finish once one direction of a connection has ended.
LINGER_SECONDS = 1.0


def negotiate_stream_protocol(request: web.Request) -> None:
    """Refuse a raw SPDY upgrade that does not offer the port-forward stream protocol."""
    offered = offered_protocols(request)
    if offered and STREAM_PROTOCOL not in offered:
        raise Refusal(
            403,
            f"unable to upgrade: unable to negotiate protocol: client supports {offered}, "
            f"server supports [{STREAM_PROTOCOL}]",
        )


async def spdy_over_websocket(request: web.Request, cluster: ClusterView, pod: dict[str, Any]) -> web.StreamResponse:
    """kubectl's default since 1.31: the SPDY byte stream carried in binary websocket messages."""
    ws = web.WebSocketResponse(
        protocols=(SPDY_TUNNEL_PROTOCOL,), timeout=2.0, max_msg_size=64 * 1024 * 1024, compress=False
    )
    await ws.prepare(request)
    session = SpdySession(ws.send_bytes)

    async def read() -> None:
        async for message in ws:
            if message.type == WSMsgType.BINARY:
                session.feed(message.data)
        session.end()

    reader = asyncio.create_task(read())
    try:
        await SpdyForwarder(cluster, session, pod, request.app).run()
    finally:
        await ws.close()
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    return ws


async def spdy_over_http(request: web.Request, cluster: ClusterView, pod: dict[str, Any]) -> web.StreamResponse:
    """client-go's SPDY dialer: `101 Switching Protocols`, then SPDY frames on the connection itself."""
    response, session = await accept_spdy(request, STREAM_PROTOCOL)
    try:
        await SpdyForwarder(cluster, session, pod, request.app).run()
    finally:
        if request.transport is not None:  # None once the client has closed the connection
            request.transport.close()
    return response


class SpdyForwarder:
    """Pairs the client's streams and bridges each pair to a TCP connection, until the session ends."""

    def __init__(self, cluster: ClusterView, session: SpdySession, pod: dict[str, Any], app: web.Application) -> None:
        self.cluster = cluster
        self.runtime: PodRuntime = cluster.runtime
        self.session = session
        self.pod = pod
        self.stream = ActiveStream(app, "forward", pod["metadata"].get("namespace", "default"), pod)
        self.pairs: dict[str, dict[str, SpdyStream]] = {}
        self.connections: set[asyncio.Task[None]] = set()
        self.writers: set[asyncio.StreamWriter] = set()

    async def run(self) -> None:
        self.runtime.register_stream(self.stream)
        acceptor = asyncio.create_task(self._accept())
        ender = asyncio.create_task(self.stream.wait_until_ended(self.cluster, self.runtime.poll_interval))
        closed = asyncio.create_task(self.session.closed.wait())
        try:
            waited: set[asyncio.Future[Any]] = {acceptor, ender, closed}
            await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for writer in self.writers:
                writer.close()
            tasks = [acceptor, ender, closed, *self.connections]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.session.goaway()
            self.runtime.unregister_stream(self.stream)

    async def _accept(self) -> None:
        while (stream := await self.session.opened.get()) is not None:
            kind, port = stream.headers.get("streamtype"), stream.headers.get("port", "")
            if kind not in ("error", "data") or not port.isdigit():
                await self.session.reset(stream, RST_CANCEL)
                continue
            await self.session.reply(stream)
            # Clients before request IDs paired streams by number: the data stream follows its error stream.
            request_id = stream.headers.get("requestid") or str(stream.id if kind == "error" else stream.id - 2)
            pair = self.pairs.setdefault(request_id, {})
            pair[kind] = stream
            if len(pair) == 2:
                del self.pairs[request_id]
                task = asyncio.create_task(self._forward(pair["error"], pair["data"], int(port)))
                self.connections.add(task)
                task.add_done_callback(self.connections.discard)

    async def _forward(self, error: SpdyStream, data: SpdyStream, port: int) -> None:
        target = self.runtime.exposed_target(self.stream.namespace, self.stream.pod_name, port)
        try:
            if target is None:
                raise ConnectionRefusedError
            reader, writer = await asyncio.open_connection(*target)
        except OSError:
            await self.session.send_data(error, connection_refused(self.pod, port).encode())
            await self.session.close_stream(data)
            await self.session.close_stream(error)
            return
        self.writers.add(writer)
        directions = [
            asyncio.create_task(self._to_pod(data, writer)),
            asyncio.create_task(self._to_client(data, reader)),
        ]
        try:
            _, pending = await asyncio.wait(directions, return_when=asyncio.FIRST_COMPLETED)
            if pending:
                await asyncio.wait(pending, timeout=LINGER_SECONDS)
        finally:
            for task in directions:
                task.cancel()
            await asyncio.gather(*directions, return_exceptions=True)
            writer.close()
            self.writers.discard(writer)
            await self.session.close_stream(data)
            await self.session.close_stream(error)

    async def _to_pod(self, data: SpdyStream, writer: asyncio.StreamWriter) -> None:
        while (chunk := await data.incoming.get()) is not None:
            writer.write(chunk)
            await writer.drain()
        if not data.reset and writer.can_write_eof():
            writer.write_eof()  # the client finished sending: pass the half-close on

    async def _to_client(self, data: SpdyStream, reader: asyncio.StreamReader) -> None:
        while chunk := await reader.read(READ_SIZE):
            await self.session.send_data(data, chunk)
