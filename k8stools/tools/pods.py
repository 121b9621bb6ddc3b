"""Inside pods: their logs (one pod, or every pod a label selector matches; followed for a while) and exec."""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import Field

from k8stools.apirequest import PODS, ApiRequest, resource_request
from k8stools.guard import GuardedClient
from k8stools.kube import KubeError
from k8stools.kube_streams import ExecOutput, exec_request
from k8stools.names import check_container_name
from k8stools.tools.call import ToolCall, ToolOutput
from k8stools.tools.errors import ToolInputError
from k8stools.tools.registry import kube_tool
from k8stools.tools.target import fixed_target

DEFAULT_TAIL_LINES = 100
DEFAULT_FOLLOW_SECONDS = 10
MAX_OUTPUT_BYTES_PER_STREAM = 64 * 1024
# Room left in the answer for headers and notes around the log text or command output.
ANSWER_MARGIN_BYTES = 1024
# How often a follow may send a progress notification.
PROGRESS_INTERVAL_SECONDS = 0.2
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$")


def time_bound(requested: int | None, default: float, tool_timeout: float) -> tuple[float, str]:
    """Seconds a call may wait, kept under the tool timeout with a margin; a note when lowered."""
    limit = max(1.0, tool_timeout - min(5.0, tool_timeout / 5))
    wanted = float(requested) if requested is not None else min(default, limit)
    if wanted <= limit:
        return wanted, ""
    return limit, f"lowered to {limit:g}s, the most this server allows (its tool timeout is {tool_timeout:g}s)"


def parse_since_time(text: str) -> str:
    """An RFC 3339 time, normalised to UTC (`2024-05-01T12:00:00Z`); `ToolInputError` otherwise."""
    value = text.strip()
    if _RFC3339.match(value):
        try:
            moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    raise ToolInputError(
        f"sinceTime '{text}' is not an RFC 3339 time; send e.g. 2024-05-01T12:00:00Z, or use sinceSeconds instead"
    )


def container_names(pod: dict[str, Any]) -> list[str]:
    spec = pod.get("spec") or {}
    return [
        c.get("name", "")
        for key in ("initContainers", "containers", "ephemeralContainers")
        for c in spec.get(key) or []
    ]


def choose_container(pod: dict[str, Any], requested: str | None) -> str:
    """The container a call addresses: the one asked for (which must exist), or the pod's only one."""
    name = pod["metadata"]["name"]
    names = container_names(pod)
    if requested:
        if requested not in names:
            raise ToolInputError(f"pod {name} has no container '{requested}'; its containers are: {', '.join(names)}")
        return requested
    regular = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
    if len(regular) == 1:
        return regular[0]
    raise ToolInputError(f"pod {name} has several containers ({', '.join(names)}); pass containerName to choose one")


def not_running_reason(pod: dict[str, Any], container: str) -> str:
    """Why a container cannot run a command now ("" when it is running, or when its status is unknown)."""
    name = pod["metadata"]["name"]
    status = pod.get("status") or {}
    phase = status.get("phase", "")
    if phase in ("Succeeded", "Failed"):
        return f"pod {name} has finished (phase {phase}); exec needs a running container"
    if phase == "Pending" and not (pod.get("spec") or {}).get("nodeName"):
        return f"pod {name} is not scheduled on a node yet (phase Pending)"
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for entry in status.get(key) or []:
            if entry.get("name") != container:
                continue
            state = entry.get("state") or {}
            if "running" in state:
                return ""
            for current in ("waiting", "terminated"):
                if current in state:
                    detail = state[current] or {}
                    why = ": ".join(part for part in (detail.get("reason"), detail.get("message")) if part)
                    return f"container {container} of pod {name} is not running ({current}{': ' + why if why else ''})"
    return ""


def _log_failure(error: KubeError) -> Exception:
    """A log request the API server refused, with what to send instead (400s are the model's to fix)."""
    if error.status != 400:
        return error
    message = error.message
    if "container name must be specified" in message:
        return ToolInputError(f"{message}; pass containerName")
    if "previous terminated container" in message:
        return ToolInputError(f"{message}; the container has not restarted, so there is no previous log: drop previous")
    if "is waiting to start" in message or "ContainerCreating" in message:
        return ToolInputError(f"{message}; the container has not started yet: describe the pod to see why")
    return ToolInputError(message)


def _byte_budget(call: ToolCall, limit_bytes: int | None) -> int:
    budget = max(1024, call.config.max_response_bytes - ANSWER_MARGIN_BYTES)
    return min(limit_bytes, budget) if limit_bytes else budget


@kube_tool("logs", operation="logs", title="Pod logs", read_only=True, idempotent=True, alias=True)
def logs(
    call: ToolCall,
    namespace: Annotated[str | None, Field(description="Namespace; default from the server config")] = None,
    podName: Annotated[str | None, Field(description="The pod; or give labelSelector instead")] = None,
    labelSelector: Annotated[
        str | None, Field(description="Logs of every pod matching this selector (e.g. app=web), instead of podName")
    ] = None,
    containerName: Annotated[str | None, Field(description="Container; required when the pod has several")] = None,
    previous: Annotated[bool, Field(description="Logs of the previous (crashed or restarted) instance")] = False,
    timestamps: Annotated[bool, Field(description="Prefix each line with its RFC 3339 timestamp")] = False,
    tailLines: Annotated[
        int, Field(ge=1, le=1000, description="Lines from the end of the log (default 100)")
    ] = DEFAULT_TAIL_LINES,
    sinceTime: Annotated[
        str | None, Field(description="Only lines after this RFC 3339 time (2024-05-01T12:00:00Z)")
    ] = None,
    sinceSeconds: Annotated[int | None, Field(ge=1, description="Only lines from the last N seconds")] = None,
    limitBytes: Annotated[int | None, Field(ge=1, description="Read at most this many bytes (per container)")] = None,
    follow: Annotated[bool, Field(description="Keep reading new lines for followSeconds (one pod only)")] = False,
    followSeconds: Annotated[
        int | None, Field(ge=1, description="How long to follow (default 10; at most the tool timeout minus a margin)")
    ] = None,
    maxPods: Annotated[
        int, Field(ge=1, le=50, description="With labelSelector: at most this many pods (default 10)")
    ] = 10,
) -> str:
    """Read a container's logs: the last lines (tailLines), a time window (sinceTime/sinceSeconds), the
    previous instance after a crash (previous=true), or every pod matching a label selector. With
    follow=true, new lines are read for followSeconds and reported as progress while they arrive."""
    if bool(podName) == bool(labelSelector):
        raise ToolInputError("give either podName or labelSelector (not both)")
    if sinceTime and sinceSeconds:
        raise ToolInputError("give sinceTime or sinceSeconds, not both")
    if follow and labelSelector:
        raise ToolInputError("follow reads one pod; pass podName (list pods with the selector to find it)")
    if followSeconds is not None and not follow:
        raise ToolInputError("followSeconds only applies with follow=true")
    if containerName:
        check_container_name(containerName)
    target = fixed_target(call, PODS, name=podName or None, namespace=namespace)
    ns = target.namespace or ""
    call.aim(name=podName or labelSelector or "")
    client = call.client()
    query: dict[str, Any] = {"tailLines": tailLines, "previous": previous or None, "timestamps": timestamps or None}
    if sinceTime:
        query["sinceTime"] = parse_since_time(sinceTime)
    if sinceSeconds:
        query["sinceSeconds"] = sinceSeconds
    budget = _byte_budget(call, limitBytes)
    if labelSelector:
        return _logs_by_selector(call, client, ns, labelSelector, containerName, query, budget, maxPods)
    assert podName is not None
    query["container"] = containerName
    if follow:
        seconds, note = time_bound(followSeconds, DEFAULT_FOLLOW_SECONDS, call.config.tool_timeout_seconds)
        return _follow(call, client, target.request(subresource="log", query=query), seconds, note, budget)
    text = _read_log(client, target.request(subresource="log", query={**query, "limitBytes": budget}))
    if not text:
        return f"(no log lines from pod {podName} in the requested range)"
    return text + _limit_note(text, budget)


def _read_log(client: GuardedClient, request: ApiRequest) -> str:
    try:
        return client.text(request)
    except KubeError as error:
        raise _log_failure(error) from None


def _limit_note(text: str, budget: int) -> str:
    if len(text.encode("utf-8")) < budget:
        return ""
    return f"\n[stopped after {budget} bytes; narrow with tailLines, sinceSeconds or sinceTime to see the rest]"


def _logs_by_selector(
    call: ToolCall,
    client: GuardedClient,
    namespace: str,
    selector: str,
    container: str | None,
    query: dict[str, Any],
    budget: int,
    max_pods: int,
) -> str:
    listing = client.request(
        resource_request(PODS, namespace=namespace, query={"labelSelector": selector, "limit": max_pods})
    )
    pods = listing.get("items") or []
    if not pods:
        raise ToolInputError(
            f"no pods in namespace {namespace} match labelSelector '{selector}'; list pods with includeLabels=true to see their labels"
        )
    blocks = [(pod, name) for pod in pods for name in _log_containers(pod, container)]
    per_block = max(256, budget // len(blocks))
    deadline = (
        time.monotonic() + time_bound(None, call.config.tool_timeout_seconds, call.config.tool_timeout_seconds)[0]
    )
    parts = []
    for index, (pod, name) in enumerate(blocks):
        pod_name = pod["metadata"]["name"]
        if time.monotonic() > deadline:
            parts.append(
                f"[stopped before {len(blocks) - index} more container(s): out of time; use a narrower selector]"
            )
            break
        parts.append(f"==> {pod_name}/{name} <==")
        if name not in container_names(pod):
            parts.append(f"(no container '{name}' in this pod; it has: {', '.join(container_names(pod))})")
            continue
        try:
            query_here = {**query, "container": name, "limitBytes": per_block}
            text = client.text(
                resource_request(PODS, namespace=namespace, name=pod_name, subresource="log", query=query_here)
            )
        except KubeError as error:
            parts.append(f"(no logs: {error.message})")
            continue
        parts.append((text.rstrip("\n") or "(no log lines in the requested range)") + _limit_note(text, per_block))
    metadata = listing.get("metadata") or {}
    if metadata.get("continue"):
        more = metadata.get("remainingItemCount")
        count = f"{more} more pods" if more else "more pods"
        parts.append(
            f"[{count} match; showing the first {len(pods)} (raise maxPods, up to 50, or narrow the selector)]"
        )
    return "\n".join(parts)


def _log_containers(pod: dict[str, Any], requested: str | None) -> list[str]:
    if requested:
        return [requested]
    return [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]


_END = object()


def _follow(call: ToolCall, client: GuardedClient, request: ApiRequest, seconds: float, note: str, budget: int) -> str:
    """Read lines as they are written, for `seconds`, reporting progress; then return what was read."""
    lines = client.stream_lines(request.with_query(("follow", True)), timeout=seconds + 1)
    arrived: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()
    threading.Thread(target=_pump, args=(lines, arrived, stop), name="kubemcp-log-follow", daemon=True).start()
    deadline = time.monotonic() + seconds
    collected: list[str] = []
    size, last_progress, ending = 0, 0.0, ""
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                item = arrived.get(timeout=remaining)
            except queue.Empty:
                break
            if item is _END:
                ending = "the log stream ended (the container stopped or the pod went away)"
                break
            if isinstance(item, KubeError):
                raise _log_failure(item)
            collected.append(item)
            size += len(item.encode("utf-8")) + 1
            if size >= budget:
                ending = f"stopped after {budget} bytes; narrow with sinceSeconds or a shorter followSeconds"
                break
            if time.monotonic() - last_progress >= PROGRESS_INTERVAL_SECONDS:
                call.progress(len(collected), None, f"{len(collected)} lines")
                last_progress = time.monotonic()
    finally:
        stop.set()
    call.progress(len(collected), None, f"{len(collected)} lines")
    summary = f"followed for {seconds:g}s" + (f" ({note})" if note else "") + f": {len(collected)} lines"
    trailer = f"[{summary}; {ending}]" if ending else f"[{summary}]"
    return "\n".join([*collected, trailer])


def _pump(lines: Iterator[str], arrived: queue.Queue[Any], stop: threading.Event) -> None:
    """Move lines from the HTTP stream to the queue until told to stop (in its own thread: reads block)."""
    try:
        for line in lines:
            if stop.is_set():
                return
            arrived.put(line)
        arrived.put(_END)
    except KubeError as error:
        arrived.put(error)
    finally:
        close = getattr(lines, "close", None)
        if close is not None:
            close()


@kube_tool(
    "exec", operation="exec", title="Run a command in a container", read_only=False, destructive=True, alias=True
)
def exec_command(
    call: ToolCall,
    podName: Annotated[str, Field(description="The pod")],
    command: Annotated[
        list[str],
        Field(
            min_length=1,
            description='The program and its arguments, not run in a shell: ["ls", "-l", "/"]; use ["sh", "-c", "..."] for pipes',
        ),
    ],
    namespace: Annotated[str | None, Field(description="Namespace; default from the server config")] = None,
    containerName: Annotated[str | None, Field(description="Container; required when the pod has several")] = None,
    tty: Annotated[bool, Field(description="Allocate a terminal (stdout and stderr then arrive merged)")] = False,
    stdin: Annotated[
        str | None, Field(max_length=1024 * 1024, description="Text fed to the command's standard input")
    ] = None,
    timeoutSeconds: Annotated[
        int | None,
        Field(ge=1, description="Stop waiting after this long (default and maximum: the tool timeout minus a margin)"),
    ] = None,
) -> str | ToolOutput:
    """Run a command in a running container and return its stdout, stderr and exit code (each output
    bounded to 64 KiB). The command runs for real even when the server is in dry-run mode."""
    if not command[0]:
        raise ToolInputError('command[0] is empty; it must name the program to run, e.g. ["ls", "/"]')
    if containerName:
        check_container_name(containerName)
    target = fixed_target(call, PODS, name=podName, namespace=namespace)
    ns = target.namespace or ""
    client = call.client()

    def exec_of(container: str | None) -> ApiRequest:
        return exec_request(ns, podName, container=container, command=command, tty=tty, stdin=stdin is not None)

    client.check(exec_of(containerName))  # the policy first: nothing reaches the cluster if refused
    pod = client.request(target.request())
    container = choose_container(pod, containerName)
    problem = not_running_reason(pod, container)
    if problem:
        raise ToolInputError(f"{problem}; describe the pod to see why")
    seconds, note = time_bound(timeoutSeconds, call.config.tool_timeout_seconds, call.config.tool_timeout_seconds)
    limit = min(MAX_OUTPUT_BYTES_PER_STREAM, (call.config.max_response_bytes - ANSWER_MARGIN_BYTES) // 2)
    try:
        output = client.exec(
            exec_of(container),
            tty=tty,
            stdin=stdin.encode("utf-8") if stdin is not None else None,
            timeout_seconds=seconds,
            max_output_bytes=limit,
        )
    except KubeError as error:
        if error.status == 400:
            raise ToolInputError(f"{error.message}; check the container with describe") from None
        raise
    return _exec_answer(
        output, command=command, container=container, seconds=seconds, note=note, dry_run=call.policy.dry_run
    )


def _exec_answer(
    output: ExecOutput, *, command: list[str], container: str, seconds: float, note: str, dry_run: bool
) -> str | ToolOutput:
    streams = [
        _stream_text("Stdout", output.stdout, output.stdout_bytes, output.stdout_truncated, output.max_output_bytes),
        _stream_text("Stderr", output.stderr, output.stderr_bytes, output.stderr_truncated, output.max_output_bytes),
    ]
    if output.timed_out:
        why = f"the command did not finish within {seconds:g}s" + (f" (timeoutSeconds {note})" if note else "")
        stdin = (
            "; stdin could not be closed (the API server predates the v5 exec protocol)"
            if output.stdin_left_open
            else ""
        )
        return ToolOutput(
            f"{why}{stdin}; the connection was closed, the process may still run in the container.\n"
            + "\n".join(streams),
            is_error=True,
        )
    if output.exit_code is None:
        hint = ""
        if "executable file not found" in output.failure or "no such file or directory" in output.failure:
            hint = (
                f"; '{command[0]}' is not in container {container}'s image: check the name, or run it through a shell "
                f'(["sh", "-c", "..."]) if the image has one'
            )
        return ToolOutput(f"the command could not be run: {output.failure}{hint}\n" + "\n".join(streams), is_error=True)
    lines = [f"Exit code: {output.exit_code}", *streams]
    if dry_run:
        lines.append("(dry-run does not apply to exec: the command ran for real)")
    return "\n".join(lines)


def _stream_text(title: str, text: str, total: int, truncated: bool, limit: int) -> str:
    if not total:
        return f"{title}: (empty)"
    header = f"{title} (first {limit} of {total} bytes; the rest was dropped):" if truncated else f"{title}:"
    return f"{header}\n{text.rstrip(chr(10))}"
