"""`GET /api/v1/namespaces/{ns}/pods/{name}/log`: options, the kubelet's refusals, and following."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from fakekube.runtime_loggen import utc_now
from fakekube.runtime_logstore import ContainerLog, LogLine
from fakekube.runtime_pods import Refusal, container_state, is_scheduled, resolve_container
from fakekube.runtime_streams import ActiveStream, ClusterView, client_gone
from fakekube.status import not_found

if TYPE_CHECKING:
    from fakekube.runtime import PodRuntime

_TRUE = {"1", "t", "T", "true", "TRUE", "True"}
_FALSE = {"0", "f", "F", "false", "FALSE", "False", ""}


@dataclass(frozen=True)
class LogOptions:
    container: str
    previous: bool
    timestamps: bool
    follow: bool
    tail_lines: int | None
    since: datetime | None
    limit_bytes: int | None
    stream: str


def parse_bool(query: Mapping[str, str], key: str) -> bool:
    """A boolean query parameter, accepting what Go's strconv.ParseBool accepts."""
    value = query.get(key, "")
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise Refusal(400, f'strconv.ParseBool: parsing "{value}": invalid syntax')


def _parse_int(query: Mapping[str, str], key: str) -> int | None:
    if key not in query:
        return None
    try:
        return int(query[key])
    except ValueError:
        raise Refusal(400, f'strconv.ParseInt: parsing "{query[key]}": invalid syntax') from None


def parse_log_options(query: Mapping[str, str], name: str) -> LogOptions:
    """The `PodLogOptions` of a request, validated like the API server does before it looks at the pod."""
    tail, limit, since_seconds = (_parse_int(query, key) for key in ("tailLines", "limitBytes", "sinceSeconds"))
    since_time = None
    if query.get("sinceTime"):
        try:
            since_time = datetime.fromisoformat(query["sinceTime"].replace("Z", "+00:00"))
        except ValueError:
            raise Refusal(
                400, f'parsing time "{query["sinceTime"]}" as "2006-01-02T15:04:05Z07:00": cannot parse as RFC3339'
            ) from None
    problems = []
    if since_seconds is not None and since_time is not None:
        problems.append("sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified")
    if since_seconds is not None and since_seconds < 1:
        problems.append(f"sinceSeconds: Invalid value: {since_seconds}: must be greater than 0")
    if tail is not None and tail < 0:
        problems.append(f"tailLines: Invalid value: {tail}: must be greater than or equal to 0")
    if limit is not None and limit < 1:
        problems.append(f"limitBytes: Invalid value: {limit}: must be greater than 0")
    stream = query.get("stream", "All")
    if stream not in ("All", "Stdout", "Stderr"):
        problems.append(f'stream: Unsupported value: "{stream}": supported values: "All", "Stderr", "Stdout"')
    if problems:
        message = f'PodLogOptions "{name}" is invalid: ' + ", ".join(problems)
        raise Refusal(422, message, "Invalid", name=name, kind="PodLogOptions")
    if since_seconds is not None:
        since_time = utc_now() - timedelta(seconds=since_seconds)
    return LogOptions(
        container=query.get("container", ""),
        previous=parse_bool(query, "previous"),
        timestamps=parse_bool(query, "timestamps"),
        follow=parse_bool(query, "follow"),
        tail_lines=tail,
        since=since_time,
        limit_bytes=limit,
        stream=stream,
    )


def format_line(line: LogLine, timestamps: bool) -> bytes:
    """One line as the kubelet writes it, with an RFC3339Nano prefix when asked."""
    text = line.text if line.text.endswith("\n") else line.text + "\n"
    if timestamps:
        stamp = line.time.strftime("%Y-%m-%dT%H:%M:%S") + f".{line.time.microsecond * 1000:09d}Z"
        text = f"{stamp} {text}"
    return text.encode()


def select_lines(lines: list[LogLine], options: LogOptions) -> list[LogLine]:
    """The lines the options ask for: those since a time, then the last `tailLines` of them."""
    if options.stream == "Stderr":
        return []  # the fake's containers write their logs to stdout
    if options.since is not None:
        lines = [line for line in lines if line.time >= options.since]
    if options.tail_lines is not None:
        lines = lines[len(lines) - options.tail_lines :] if options.tail_lines else []
    return lines


def _current_log(runtime: PodRuntime, namespace: str, pod: dict[str, Any], container: str) -> ContainerLog:
    name = pod["metadata"]["name"]
    state = container_state(pod, container)
    if state.current == "waiting" and state.has_previous:
        # A crash-looping container: the kubelet serves the last terminated instance.
        return runtime.container_log(namespace, pod, container, previous=True)
    if state.current == "waiting":
        reason = {"ErrImagePull": "image can't be pulled", "ImagePullBackOff": "trying and failing to pull image"}.get(
            state.reason, state.reason
        )
        suffix = f": {reason}" if reason else " - no logs yet"
        raise Refusal(400, f'container "{container}" in pod "{name}" is waiting to start{suffix}')
    return runtime.container_log(namespace, pod, container, previous=False)


async def pod_log(request: web.Request, *, cluster: ClusterView) -> web.StreamResponse:
    """Serve a container's log, and keep streaming new lines when `follow=true`."""
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    runtime: PodRuntime = cluster.runtime
    try:
        options = parse_log_options(request.query, name)
        pod = cluster.get_object("pods", namespace, name)
        if pod is None:
            return not_found("pods", name)
        container = resolve_container(pod, options.container)
        if not is_scheduled(pod):
            return web.Response(body=b"", content_type="text/plain")
        if options.previous:
            log = runtime.container_log(namespace, pod, container, previous=True)
        else:
            log = _current_log(runtime, namespace, pod, container)
    except Refusal as refusal:
        return refusal.response()
    lines = log.snapshot()
    body = b"".join(format_line(line, options.timestamps) for line in select_lines(lines, options))
    if options.limit_bytes is not None:
        body = body[: options.limit_bytes]
    following = options.follow and not options.previous and container_state(pod, container).current == "running"
    if not following:
        return web.Response(body=body, content_type="text/plain")
    return await _follow(request, cluster, pod, container, log, body, len(lines), options)


async def _follow(
    request: web.Request,
    cluster: ClusterView,
    pod: dict[str, Any],
    container: str,
    log: ContainerLog,
    head: bytes,
    sent: int,
    options: LogOptions,
) -> web.StreamResponse:
    runtime: PodRuntime = cluster.runtime
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    budget = options.limit_bytes
    stream = ActiveStream(request.app, "log", pod["metadata"]["namespace"], pod)
    runtime.register_stream(stream)
    log.watch(stream.wakeup)
    try:
        chunk = head
        while True:
            if budget is not None:
                chunk, budget = chunk[:budget], budget - len(chunk[:budget])
            if chunk:
                await response.write(chunk)
            if budget == 0 or stream.stopped or client_gone(request) or _container_ended(cluster, stream, container):
                break
            await wait_for_lines(stream, log, runtime.poll_interval)
            lines = log.snapshot()
            if options.stream == "Stderr":
                lines = lines[:sent]
            chunk = b"".join(format_line(line, options.timestamps) for line in lines[sent:])
            sent = len(lines)
    except ConnectionResetError:
        pass  # the client went away mid-write
    finally:
        log.unwatch(stream.wakeup)
        runtime.unregister_stream(stream)
    return response


def _container_ended(cluster: ClusterView, stream: ActiveStream, container: str) -> bool:
    pod = cluster.get_object("pods", stream.namespace, stream.pod_name)
    if pod is None or stream.pod_is_gone(cluster):
        return True
    return container_state(pod, container).current == "terminated"


async def wait_for_lines(stream: ActiveStream, log: ContainerLog, poll_interval: float) -> None:
    """Until a line is appended, the generator's next line is due, or it is time to poll again."""
    timeout = poll_interval
    due = log.next_due()
    if due is not None:
        timeout = max(0.0, min(timeout, (due - utc_now()).total_seconds()))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stream.wakeup.event.wait(), timeout)
    stream.wakeup.event.clear()
