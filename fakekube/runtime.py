"""What runs "inside" the fake's pods and nodes: logs, exec, attach, port-forward and the kubelet's proxy API.

`PodRuntime` holds the state tests arrange (log lines, files, exec handlers, which real TCP
server a pod port leads to); `setup_runtime_routes` serves the subresources that read it.
The route handlers live in `runtime_logs`, `runtime_exec`, `runtime_attach` (both with
`runtime_exec_spdy` for SPDY clients), `runtime_portforward` (with `runtime_portforward_spdy`
for kubectl and client-go) and `runtime_nodes`. Nothing here ever runs a command on the host: exec is simulated by the
small shell in `runtime_shell`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from fakekube.runtime_attach import pod_attach
from fakekube.runtime_exec import pod_exec
from fakekube.runtime_fs import FileOverrides, VirtualFS, normalize
from fakekube.runtime_loggen import LineGenerator, utc_now
from fakekube.runtime_logs import pod_log
from fakekube.runtime_logstore import ContainerLog, LogLine
from fakekube.runtime_nodes import node_proxy
from fakekube.runtime_pods import Refusal, container_spec, container_state
from fakekube.runtime_portforward import pod_portforward
from fakekube.runtime_streams import ActiveStream, ClusterView

# (namespace, pod, container, argv, stdin) -> (stdout, stderr, exit code), or None to let the built-in shell run it.
ExecHandler = Callable[[str, str, str, list[str], bytes], "tuple[bytes, bytes, int] | None"]


class PodRuntime:
    """The state behind pod logs, exec and port-forward. Every method is safe to call from a test thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: dict[tuple[str, str, str, bool], ContainerLog] = {}
        self._files: dict[tuple[str, str], FileOverrides] = {}
        self._exposed: dict[tuple[str, str, int], tuple[str, int]] = {}
        self._streams: set[ActiveStream] = set()
        self.exec_handler: ExecHandler | None = None
        # How often streams look for their pod's deletion and their client's disconnection.
        self.poll_interval = 0.2
        # Seconds between the lines a generated log keeps writing once its first hour is written.
        self.generated_line_interval = 2.0
        # `sleep` in exec never waits longer than this, so a test cannot hang the fake.
        self.max_sleep_seconds = 60.0

    # Logs

    def set_logs(
        self,
        namespace: str,
        pod: str,
        container: str,
        lines: Sequence[str | tuple[datetime, str]],
        previous: bool = False,
    ) -> None:
        """Replace a container's log (or its previous instance's).

        Lines are strings, stamped one second apart and ending now, or (time, text) pairs.
        """
        now = utc_now()
        parsed = []
        for index, line in enumerate(lines):
            if isinstance(line, str):
                parsed.append(LogLine(now - timedelta(seconds=len(lines) - 1 - index), line))
            else:
                parsed.append(LogLine(line[0], line[1]))
        self._log(namespace, pod, container, previous, lambda: ContainerLog()).replace(parsed)

    def append_log(self, namespace: str, pod: str, container: str, line: str) -> None:
        """Write one line to a container's current log now, waking its followers.

        A container whose log was never read or set starts from an empty log rather than a generated one.
        """
        self._log(namespace, pod, container, False, lambda: ContainerLog()).append(LogLine(utc_now(), line))

    def container_log(self, namespace: str, pod: dict[str, Any], container: str, previous: bool) -> ContainerLog:
        """The log a request reads: the one tests set, else a generated one; refuses a missing previous instance."""
        name = pod["metadata"]["name"]
        with self._lock:
            existing = self._logs.get((namespace, name, container, previous))
        if existing is not None:
            return existing
        if previous:
            state = container_state(pod, container)
            if not state.has_previous:
                raise Refusal(400, f'previous terminated container "{container}" in pod "{name}" not found')
            return self._log(namespace, name, container, True, lambda: self._previous_log(namespace, pod, container))
        image = container_spec(pod, container).get("image", "")
        generator = LineGenerator(namespace, name, container, image)
        return self._log(
            namespace, name, container, False, lambda: ContainerLog(generator, self.generated_line_interval)
        )

    def _log(
        self, namespace: str, pod: str, container: str, previous: bool, create: Callable[[], ContainerLog]
    ) -> ContainerLog:
        key = (namespace, pod, container, previous)
        with self._lock:
            if key not in self._logs:
                self._logs[key] = create()
            return self._logs[key]

    def _previous_log(self, namespace: str, pod: dict[str, Any], container: str) -> ContainerLog:
        terminated: dict[str, Any] = {}
        for entry in (pod.get("status") or {}).get("containerStatuses") or []:
            if entry.get("name") == container:
                terminated = (entry.get("lastState") or {}).get("terminated") or {}
        finished = terminated.get("finishedAt")
        when = datetime.fromisoformat(finished.replace("Z", "+00:00")) if finished else utc_now() - timedelta(minutes=5)
        generator = LineGenerator(
            namespace, pod["metadata"]["name"], container, container_spec(pod, container).get("image", "")
        )
        log = ContainerLog()
        lines = generator.previous_lines(when, terminated.get("reason", "Error"), int(terminated.get("exitCode", 1)))
        log.replace([LogLine(*line) for line in lines])
        return log

    # Exec

    def set_exec_handler(self, handler: ExecHandler | None) -> None:
        """Answer every exec with `handler` (None to remove it); it returns None to fall back to the built-in shell."""
        self.exec_handler = handler

    def add_file(self, namespace: str, pod: str, path: str, content: str | bytes) -> None:
        """Put a file in the pod's containers, for `cat`, `ls` and friends in exec."""
        data = content.encode() if isinstance(content, str) else content
        overrides = self._overrides(namespace, pod)
        with overrides.lock:
            overrides.files[normalize(path)] = data

    def filesystem(self, namespace: str, pod: dict[str, Any]) -> VirtualFS:
        """The filesystem exec sees in the containers of `pod`."""
        return VirtualFS(pod, self._overrides(namespace, pod["metadata"]["name"]))

    def _overrides(self, namespace: str, pod: str) -> FileOverrides:
        with self._lock:
            return self._files.setdefault((namespace, pod), FileOverrides())

    # Port-forward

    def expose_port(self, namespace: str, pod: str, port: int, host: str, real_port: int) -> None:
        """Make the pod's `port` lead to the real TCP server at `host:real_port`."""
        with self._lock:
            self._exposed[(namespace, pod, port)] = (host, real_port)

    def exposed_target(self, namespace: str, pod: str, port: int) -> tuple[str, int] | None:
        """The real server behind a pod port, or None when nothing listens on it."""
        with self._lock:
            return self._exposed.get((namespace, pod, port))

    def close_forwards(self, namespace: str, pod: str) -> None:
        """End every port-forward into the pod, as when it goes away."""
        for stream in self._active(lambda s: s.kind == "forward" and (s.namespace, s.pod_name) == (namespace, pod)):
            stream.stop()

    # Streams

    def register_stream(self, stream: ActiveStream) -> None:
        with self._lock:
            self._streams.add(stream)

    def unregister_stream(self, stream: ActiveStream) -> None:
        with self._lock:
            self._streams.discard(stream)

    def open_streams(self, kind: str | None = None) -> list[ActiveStream]:
        """The streams being served now ("log", "exec", "attach" or "forward"), e.g. to check a client closed them."""
        return self._active(lambda stream: kind is None or stream.kind == kind)

    def _active(self, predicate: Callable[[ActiveStream], bool]) -> list[ActiveStream]:
        with self._lock:
            return [stream for stream in self._streams if predicate(stream)]

    async def stop_streams(self, app: web.Application) -> None:
        """End the streams served by `app`, so its server can shut down without waiting on them."""
        for stream in self._active(lambda s: s.app is app):
            stream.stop()


def setup_runtime_routes(app: web.Application, cluster: ClusterView) -> None:
    """Serve pod logs, exec, attach, port-forward and the node proxy on the core's app."""
    pod = "/api/v1/namespaces/{namespace}/pods/{name}"
    app.router.add_get(f"{pod}/log", functools.partial(pod_log, cluster=cluster))
    for method in ("GET", "POST"):
        app.router.add_route(method, f"{pod}/exec", functools.partial(pod_exec, cluster=cluster))
        app.router.add_route(method, f"{pod}/attach", functools.partial(pod_attach, cluster=cluster))
        app.router.add_route(method, f"{pod}/portforward", functools.partial(pod_portforward, cluster=cluster))
    proxy = functools.partial(node_proxy, cluster=cluster)
    app.router.add_get("/api/v1/nodes/{name}/proxy", proxy)
    app.router.add_get("/api/v1/nodes/{name}/proxy/{path:.*}", proxy)
    app.on_shutdown.append(cluster.runtime.stop_streams)
