"""`/api/v1/namespaces/{ns}/pods/{name}/exec` over the websocket channel protocol or SPDY.

The command runs in the simulated shell (or a test's exec handler); its output goes out
on channels 1 and 2 as it is written, and the kubelet's `Status` closes the exchange on
channel 3. Standard input (channel 0) is read whole: it ends when a v5 client closes the
channel (or a SPDY client its stdin stream), or when the connection closes. Over SPDY the
channels are streams (`runtime_exec_spdy`); the session is the same.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from fakekube.runtime_channels import (
    CLOSE_CHANNEL,
    ERROR,
    EXEC_PROTOCOLS,
    STDERR,
    STDIN,
    STDOUT,
    Channels,
    ChannelSocket,
    ClientGone,
    is_spdy,
    negotiate,
    require_upgrade,
)
from fakekube.runtime_env import container_environment
from fakekube.runtime_exec_spdy import expected_channels, negotiate_spdy, serve_over_spdy
from fakekube.runtime_logs import parse_bool
from fakekube.runtime_pods import Refusal, container_spec, is_scheduled, require_running, resolve_container
from fakekube.runtime_shell import ContainerContext, Shell
from fakekube.runtime_shell_commands import PROGRAMS
from fakekube.runtime_shell_io import CallbackOutput, Output, StdIO, StreamInput
from fakekube.runtime_streams import ActiveStream, ClusterView
from fakekube.runtime_terminal import is_interactive, run_interactive

if TYPE_CHECKING:
    from fakekube.runtime import PodRuntime

logger = logging.getLogger(__name__)
_exec_ids = itertools.count(1)


@dataclass(frozen=True)
class ExecOptions:
    command: list[str]
    container: str
    stdin: bool
    stdout: bool
    stderr: bool
    tty: bool


def parse_exec_options(request: web.Request) -> ExecOptions:
    query = request.query
    return ExecOptions(
        command=query.getall("command", []),
        container=query.get("container", ""),
        stdin=parse_bool(query, "stdin"),
        stdout=parse_bool(query, "stdout"),
        stderr=parse_bool(query, "stderr"),
        tty=parse_bool(query, "tty"),
    )


def exit_status(argv: list[str], code: int) -> dict[str, Any]:
    """The Status the kubelet sends on the error channel when the process exits."""
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: error executing command [{' '.join(argv)}], "
        f"exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def internal_error(cause: str) -> dict[str, Any]:
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"Internal error occurred: {cause}",
        "reason": "InternalError",
        "details": {"causes": [{"message": cause}]},
        "code": 500,
    }


def executable_not_found(name: str) -> dict[str, Any]:
    """What containerd reports when argv[0] is not in the image."""
    exec_id = hashlib.sha256(f"exec-{next(_exec_ids)}".encode()).hexdigest()
    return internal_error(
        f"error executing command in container: failed to exec in container: failed to start exec "
        f'"{exec_id}": OCI runtime exec failed: exec failed: unable to start container process: '
        f'exec: "{name}": executable file not found in $PATH: unknown'
    )


def admit_stream(
    request: web.Request, cluster: ClusterView, options: ExecOptions, subresource: str
) -> tuple[dict[str, Any], str, str]:
    """The pod, container and stream protocol of an exec or attach; refused as the API server and kubelet do."""
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    pod = cluster.get_object("pods", namespace, name)
    if pod is None:
        raise Refusal(404, f'pods "{name}" not found', "NotFound", name=name, kind="pods")
    container = resolve_container(pod, options.container)
    if not is_scheduled(pod):
        raise Refusal(400, f"pod {name} does not have a host assigned")
    require_upgrade(request)
    if not (options.stdin or options.stdout or options.stderr):
        raise Refusal(400, "you must specify at least 1 of stdin, stdout, stderr")
    if subresource == "exec" and not options.command:
        raise Refusal(400, "you must specify at least one command for the container")
    require_running(pod, container)
    return pod, container, negotiate_spdy(request) if is_spdy(request) else negotiate(request, EXEC_PROTOCOLS)


async def pod_exec(request: web.Request, *, cluster: ClusterView) -> web.StreamResponse:
    """Run a command in a container, refusing first what the API server and kubelet refuse."""
    try:
        options = parse_exec_options(request)
        pod, container, protocol = admit_stream(request, cluster, options, "exec")
    except Refusal as refusal:
        return refusal.response()

    async def run(channels: Channels) -> None:
        await ExecSession(cluster, channels, pod, container, options, request.app).run()

    if is_spdy(request):
        return await serve_over_spdy(request, protocol, spdy_streams(options), run)
    socket = await ChannelSocket.accept(request, protocol)
    await run(socket)
    return socket.ws


def spdy_streams(options: ExecOptions) -> set[int]:
    return expected_channels(stdin=options.stdin, stdout=options.stdout, stderr=options.stderr, tty=options.tty)


class ExecSession:
    """One exec: the process, its stdin, and what ends it early."""

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
        self.namespace = pod["metadata"].get("namespace", "default")
        self.container = container
        self.options = options
        self.stream = ActiveStream(app, "exec", self.namespace, pod)
        self.stdin = bytearray()
        self.stdin_read = 0
        self.stdin_closed = asyncio.Event()
        self.stdin_changed = asyncio.Event()
        if not options.stdin:
            self.stdin_closed.set()

    async def run(self) -> None:
        self.runtime.register_stream(self.stream)
        tasks: list[asyncio.Task[Any]] = []
        try:
            first = STDOUT if self.options.stdout else STDERR if self.options.stderr else ERROR
            # The kubelet's empty first frame tells the client the streams are set up.
            await self.socket.send(first, b"")
            process = asyncio.create_task(self._process())
            receiver = asyncio.create_task(self._receive())
            ender = asyncio.create_task(self.stream.wait_until_ended(self.cluster, self.runtime.poll_interval))
            tasks = [process, receiver, ender]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            status = process.result() if process.done() else None
            if status is not None:
                await self._finish(status)
            elif ender.done() and ender.result() == "pod deleted":
                # The container was killed under the process: SIGKILL's exit code.
                await self._finish(exit_status(self.options.command, 137))
        except ClientGone:
            pass  # nobody is left to tell how the process ended
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.socket.close()
            self.runtime.unregister_stream(self.stream)

    async def _finish(self, status: dict[str, Any]) -> None:
        await self.socket.send(ERROR, json.dumps(status, separators=(",", ":")).encode())

    async def _receive(self) -> None:
        try:
            while (frame := await self.socket.receive()) is not None:
                channel, data = frame
                if channel == STDIN and self.options.stdin and not self.stdin_closed.is_set():
                    self.stdin += data
                    self.stdin_changed.set()
                elif channel == CLOSE_CHANNEL and data[:1] == bytes([STDIN]):
                    self.stdin_closed.set()
        finally:
            self.stdin_closed.set()

    async def _read_stdin(self) -> bytes:
        await self.stdin_closed.wait()
        return bytes(self.stdin)

    async def _read_stdin_chunk(self) -> bytes | None:
        """What was typed since the last call, waiting for some; None once stdin is closed."""
        while len(self.stdin) == self.stdin_read:
            if self.stdin_closed.is_set():
                return None
            self.stdin_changed.clear()
            closed = asyncio.ensure_future(self.stdin_closed.wait())
            changed = asyncio.ensure_future(self.stdin_changed.wait())
            await asyncio.wait({closed, changed}, return_when=asyncio.FIRST_COMPLETED)
            closed.cancel()
            changed.cancel()
        chunk = bytes(self.stdin[self.stdin_read :])
        self.stdin_read = len(self.stdin)
        return chunk

    def _outputs(self) -> tuple[Output, Output]:
        tty = self.options.tty

        async def send_stdout(data: bytes) -> None:
            await self.socket.send(STDOUT, data)

        async def send_stderr(data: bytes) -> None:
            await self.socket.send(STDERR, data)

        stdout = CallbackOutput(send_stdout, tty) if self.options.stdout else Output()
        if tty:
            return stdout, stdout  # a terminal has one output stream
        return stdout, CallbackOutput(send_stderr) if self.options.stderr else Output()

    async def _process(self) -> dict[str, Any] | None:
        """Run the command; its Status, or None when the client left before it finished."""
        argv = self.options.command
        stdout, stderr = self._outputs()
        try:
            handler = self.runtime.exec_handler
            if handler is not None:
                stdin = await self._read_stdin() if self.options.stdin else b""
                name = self.pod["metadata"]["name"]
                result = await asyncio.to_thread(handler, self.namespace, name, self.container, list(argv), stdin)
                if result is not None:
                    out, err, code = result
                    await stdout.write(out)
                    await stderr.write(err)
                    return exit_status(argv, code)
            shell = Shell(
                self._context(),
                container_environment(self.cluster, self.pod, self.container, self.options.tty),
                name=argv[0].rsplit("/", 1)[-1],
            )
            program = shell.find_program(argv[0])
            if program is None:
                return executable_not_found(argv[0])
            if self.options.tty and self.options.stdin and is_interactive(argv):
                return exit_status(argv, await run_interactive(shell, stdout, self._read_stdin_chunk))
            code = await program(shell, list(argv), StdIO(StreamInput(self._read_stdin), stdout, stderr))
            return exit_status(argv, code)
        except ClientGone:
            return None
        except Exception as error:  # a test's handler failed: report it the way a runtime failure is reported
            logger.exception("exec %s in %s/%s failed", argv, self.namespace, self.pod["metadata"]["name"])
            return internal_error(f"error executing command in container: {error}")

    def _context(self) -> ContainerContext:
        spec = container_spec(self.pod, self.container)
        pod_security = (self.pod.get("spec") or {}).get("securityContext") or {}
        security = {**pod_security, **(spec.get("securityContext") or {})}
        uid = int(security.get("runAsUser", 0))
        return ContainerContext(
            namespace=self.namespace,
            pod=self.pod,
            container=self.container,
            fs=self.runtime.filesystem(self.namespace, self.pod),
            tty=self.options.tty,
            max_sleep=self.runtime.max_sleep_seconds,
            uid=uid,
            gid=int(security.get("runAsGroup", uid)),
            programs=PROGRAMS,
        )
