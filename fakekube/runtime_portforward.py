"""`/api/v1/namespaces/{ns}/pods/{name}/portforward` over the websocket channel protocol.

For the i-th requested port, channel 2i carries the data and 2i+1 the errors; the server
first sends each channel the port number (two bytes, little-endian). Each port of each
websocket gets its own real TCP connection to the server a test exposed with
`PodRuntime.expose_port`; a port with nothing exposed is refused like a closed port in a pod.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

from fakekube.runtime_channels import (
    PORTFORWARD_PROTOCOLS,
    ChannelSocket,
    ClientGone,
    is_spdy,
    negotiate,
    require_upgrade,
)
from fakekube.runtime_pods import Refusal, connection_refused, is_scheduled
from fakekube.runtime_portforward_spdy import (
    SPDY_TUNNEL_PROTOCOL,
    negotiate_stream_protocol,
    spdy_over_http,
    spdy_over_websocket,
)
from fakekube.runtime_streams import ActiveStream, ClusterView
from fakekube.status import not_found

if TYPE_CHECKING:
    from fakekube.runtime import PodRuntime

READ_SIZE = 64 * 1024


def parse_ports(request: web.Request) -> list[int]:
    """`ports=80&ports=5432` or `ports=80,5432`, as the API server converts them."""
    ports: list[int] = []
    for value in request.query.getall("ports", []):
        for item in value.split(","):
            try:
                port = int(item)
            except ValueError:
                raise Refusal(
                    400, f'unable to parse "{item}" as a port: strconv.ParseUint: parsing "{item}": invalid syntax'
                ) from None
            if not 0 < port < 65536:
                raise Refusal(400, f'port "{item}" must be > 0 and < 65536')
            ports.append(port)
    if not ports:
        raise Refusal(400, 'query parameter "port" is required')
    return ports


async def pod_portforward(request: web.Request, *, cluster: ClusterView) -> web.StreamResponse:
    """Forward the requested pod ports over one websocket."""
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    try:
        pod = cluster.get_object("pods", namespace, name)
        if pod is None:
            return not_found("pods", name)
        if not is_scheduled(pod):
            raise Refusal(400, f"pod {name} does not have a host assigned")
        require_upgrade(request)
        phase = (pod.get("status") or {}).get("phase", "Running")
        if phase != "Running":
            raise Refusal(400, f"unable to upgrade connection: pod {name} is not running (phase {phase})")
        if is_spdy(request):
            negotiate_stream_protocol(request)
        else:
            protocol = negotiate(request, (*PORTFORWARD_PROTOCOLS, SPDY_TUNNEL_PROTOCOL))
            # Over SPDY the ports travel in each stream's headers; the channel protocol needs them up front.
            ports = parse_ports(request) if protocol != SPDY_TUNNEL_PROTOCOL else []
    except Refusal as refusal:
        return refusal.response()
    if is_spdy(request):
        return await spdy_over_http(request, cluster, pod)
    if protocol == SPDY_TUNNEL_PROTOCOL:
        return await spdy_over_websocket(request, cluster, pod)
    socket = await ChannelSocket.accept(request, protocol)
    await ForwardSession(cluster, socket, pod, ports, request.app).run()
    return socket.ws


class ForwardSession:
    """The TCP connections behind one port-forward websocket."""

    def __init__(
        self, cluster: ClusterView, socket: ChannelSocket, pod: dict[str, Any], ports: list[int], app: web.Application
    ) -> None:
        self.cluster = cluster
        self.runtime: PodRuntime = cluster.runtime
        self.socket = socket
        self.pod = pod
        self.ports = ports
        self.stream = ActiveStream(app, "forward", pod["metadata"].get("namespace", "default"), pod)
        self.writers: dict[int, asyncio.StreamWriter] = {}

    async def run(self) -> None:
        self.runtime.register_stream(self.stream)
        pumps: list[asyncio.Task[None]] = []
        try:
            for index, port in enumerate(self.ports):
                number = port.to_bytes(2, "little")
                await self.socket.send(2 * index, number)
                await self.socket.send(2 * index + 1, number)
            for index, port in enumerate(self.ports):
                reader = await self._connect(index, port)
                if reader is not None:
                    pumps.append(asyncio.create_task(self._pump(index, reader)))
            if pumps:
                await self._serve(pumps)
        except ClientGone:
            pass  # the client left before the forward was set up
        finally:
            for task in pumps:
                task.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for writer in self.writers.values():
                writer.close()
            await self.socket.close()
            self.runtime.unregister_stream(self.stream)

    async def _serve(self, pumps: list[asyncio.Task[None]]) -> None:
        """Run until every pod-side connection ended, the client left, or the pod went away."""
        all_pumps = asyncio.ensure_future(asyncio.gather(*pumps, return_exceptions=True))
        receiver = asyncio.create_task(self._receive())
        ender = asyncio.create_task(self.stream.wait_until_ended(self.cluster, self.runtime.poll_interval))
        try:
            waited: set[asyncio.Future[Any]] = {all_pumps, receiver, ender}
            await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (all_pumps, receiver, ender):
                task.cancel()
            await asyncio.gather(all_pumps, receiver, ender, return_exceptions=True)

    async def _connect(self, index: int, port: int) -> asyncio.StreamReader | None:
        name = self.pod["metadata"]["name"]
        target = self.runtime.exposed_target(self.stream.namespace, name, port)
        try:
            if target is None:
                raise ConnectionRefusedError
            reader, writer = await asyncio.open_connection(*target)
        except OSError:
            await self.socket.send(2 * index + 1, connection_refused(self.pod, port).encode())
            return None
        self.writers[index] = writer
        return reader

    async def _pump(self, index: int, reader: asyncio.StreamReader) -> None:
        """Pod to client: everything the pod-side server sends, until it closes the connection."""
        while data := await reader.read(READ_SIZE):
            await self.socket.send(2 * index, data)

    async def _receive(self) -> None:
        """Client to pod: data frames go to their port's connection; other channels are ignored."""
        while (frame := await self.socket.receive()) is not None:
            channel, data = frame
            writer = self.writers.get(channel // 2) if channel % 2 == 0 else None
            if writer is not None and data and not writer.is_closing():
                writer.write(data)
                await writer.drain()
