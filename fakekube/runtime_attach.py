"""`/api/v1/namespaces/{ns}/pods/{name}/attach`: the output of a container's main process, from now on.

What the main process writes is its log, so an attached client receives the lines appended
to the container's log after it attached (by tests or by the generator), on stdout. The
simulated processes read nothing, so stdin is accepted and dropped. When the container
goes away the kubelet reports `Success`, as it does when the attached streams end.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from fakekube.runtime_channels import ERROR, STDERR, STDOUT, Channels, ChannelSocket, ClientGone, is_spdy
from fakekube.runtime_exec import ExecOptions, admit_stream, parse_exec_options, spdy_streams
from fakekube.runtime_exec_spdy import serve_over_spdy
from fakekube.runtime_logs import format_line, wait_for_lines
from fakekube.runtime_logstore import ContainerLog
from fakekube.runtime_pods import Refusal, container_state
from fakekube.runtime_shell_io import CallbackOutput
from fakekube.runtime_streams import ActiveStream, ClusterView

if TYPE_CHECKING:
    from fakekube.runtime import PodRuntime


async def pod_attach(request: web.Request, *, cluster: ClusterView) -> web.StreamResponse:
    """Attach to a running container's main process."""
    try:
        options = parse_exec_options(request)
        pod, container, protocol = admit_stream(request, cluster, options, "attach")
    except Refusal as refusal:
        return refusal.response()
    runtime: PodRuntime = cluster.runtime
    log = runtime.container_log(pod["metadata"].get("namespace", "default"), pod, container, previous=False)
    # Attached from the moment of the upgrade: what is written after the client's handshake is its to see.
    seen = len(log.snapshot())

    async def run(channels: Channels) -> None:
        await AttachSession(cluster, channels, pod, container, options, request.app).run(log, seen)

    if is_spdy(request):
        return await serve_over_spdy(request, protocol, spdy_streams(options), run)
    socket = await ChannelSocket.accept(request, protocol)
    await run(socket)
    return socket.ws


class AttachSession:
    """One attached client, fed the container's new log lines until either side goes away."""

    def __init__(
        self,
        cluster: ClusterView,
        socket: Channels,
        pod: dict[str, Any],
        container: str,
        options: ExecOptions,
        app: web.Application,
    ) -> None:
        self.cluster = cluster
        self.runtime: PodRuntime = cluster.runtime
        self.socket = socket
        self.pod = pod
        self.container = container
        self.options = options
        self.stream = ActiveStream(app, "attach", pod["metadata"].get("namespace", "default"), pod)

    async def run(self, log: ContainerLog, sent: int) -> None:
        self.runtime.register_stream(self.stream)
        log.watch(self.stream.wakeup)
        receiver = asyncio.create_task(self._drain())
        stdout = CallbackOutput(self._send_stdout, self.options.tty)
        try:
            first = STDOUT if self.options.stdout else STDERR if self.options.stderr else ERROR
            await self.socket.send(first, b"")
            while not (receiver.done() or self.stream.stopped):
                lines = log.snapshot()
                if self.options.stdout:
                    await stdout.write(b"".join(format_line(line, False) for line in lines[sent:]))
                sent = len(lines)
                if self._container_gone():
                    await self._finish()
                    break
                await wait_for_lines(self.stream, log, self.runtime.poll_interval)
        except ClientGone:
            pass  # detached
        finally:
            log.unwatch(self.stream.wakeup)
            receiver.cancel()
            await asyncio.gather(receiver, return_exceptions=True)
            await self.socket.close()
            self.runtime.unregister_stream(self.stream)

    async def _send_stdout(self, data: bytes) -> None:
        await self.socket.send(STDOUT, data)

    async def _drain(self) -> None:
        while await self.socket.receive() is not None:
            pass

    def _container_gone(self) -> bool:
        if self.stream.pod_is_gone(self.cluster):
            return True
        pod = self.cluster.get_object("pods", self.stream.namespace, self.stream.pod_name) or self.pod
        return container_state(pod, self.container).current != "running"

    async def _finish(self) -> None:
        await self.socket.send(ERROR, json.dumps({"metadata": {}, "status": "Success"}).encode())
