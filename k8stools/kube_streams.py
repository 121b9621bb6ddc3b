"""Commands run in a container over the API server's websocket channel protocol (`kubectl exec`).

With `kubectl exec` the API server upgrades the request to a websocket that carries numbered
channels: 0 stdin, 1 stdout, 2 stderr, 3 the kubelet's final `Status` (which holds the exit code).
`exec_in_pod` sends stdin (closing it with the v5 protocol's close frame, so the command sees end
of file), reads stdout and stderr until the command ends or the time bound passes, keeps at most
`max_output_bytes` of each, and takes the exit code from the `Status`. The guard
(`GuardedClient.exec`) checks the request and calls this module, which only talks to the API server.
"""

from __future__ import annotations

import codecs
import json
import time
from dataclasses import dataclass
from typing import Any

from websocket import WebSocketBadStatusException, WebSocketConnectionClosedException, WebSocketException

from k8stools.apirequest import PODS, ApiRequest, resource_request
from k8stools.kube import KubeClient, KubeError, KubeUnavailable, UrlCheck
from k8stools.names import check_container_name

# How long one wait for frames may last, so the time bound is looked at regularly.
_POLL_SECONDS = 0.5


def exec_request(
    namespace: str, pod: str, *, container: str | None, command: list[str], tty: bool, stdin: bool
) -> ApiRequest:
    """The exec subresource request that runs `command` (what the guard checks, and what is sent)."""
    query: list[tuple[str, Any]] = [("command", part) for part in command]
    # A terminal has a single output stream: no stderr with tty.
    query += [("stdin", stdin), ("stdout", True), ("stderr", not tty), ("tty", tty)]
    if container:
        query.append(("container", check_container_name(container)))
    return resource_request(PODS, namespace=namespace, name=pod, subresource="exec", query=query)


@dataclass(frozen=True, slots=True)
class ExecOutput:
    """What a command left behind: its output (each bounded), and how it ended."""

    stdout: str
    stderr: str
    stdout_bytes: int  # everything the command wrote, including what was dropped
    stderr_bytes: int
    max_output_bytes: int
    exit_code: int | None  # None when the command did not end (time bound) or never started
    timed_out: bool = False
    # The runtime could not run the command at all (missing binary...): its message; no exit code then.
    failure: str = ""
    # The server spoke a protocol older than v5, which cannot signal the end of stdin.
    stdin_left_open: bool = False

    @property
    def stdout_truncated(self) -> bool:
        return self.stdout_bytes > self.max_output_bytes

    @property
    def stderr_truncated(self) -> bool:
        return self.stderr_bytes > self.max_output_bytes


class _BoundedOutput:
    """The first `limit` bytes of a stream, decoded once at the end; counts what it drops."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        if not data:
            return
        self.total += len(data)
        room = self.limit - len(self.kept)
        if room > 0:
            self.kept += data[:room]

    def text(self, tty: bool) -> str:
        # An incremental decoder without a final flush leaves a multi-byte character cut by the limit out.
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        text = decoder.decode(bytes(self.kept), final=self.total <= self.limit)
        if tty:  # a terminal turns "\n" into "\r\n"; a model reads plain lines better
            text = text.replace("\r\n", "\n")
        encoded = text.encode("utf-8")
        if len(encoded) > self.limit:  # replacement characters are longer than the bytes they replace
            text = encoded[: self.limit].decode("utf-8", "ignore")
        return text


def exec_in_pod(
    client: KubeClient,
    request: ApiRequest,
    *,
    tty: bool = False,
    stdin: bytes | None = None,
    timeout_seconds: float,
    max_output_bytes: int,
    url_check: UrlCheck | None = None,
) -> ExecOutput:
    """Run the exec `request` (built by `exec_request`) and wait for its command, at most `timeout_seconds`.

    Raises `KubeError` when the API server refuses the exec (unknown pod or container, a container
    that is not running, no permission) and `KubeUnavailable` when it cannot be reached.
    """
    # Imported here, not at the top: the `kubernetes` package stays out of a server's start (see k8stools.kube).
    from kubernetes.stream.ws_client import WSClient, get_websocket_url

    command = [value for key, value in request.query if key == "command"]
    refuse_impersonated_stream(client)
    client.limiter.acquire()
    api_client = client.api_client
    _, url, headers, _, _ = api_client.param_serialize(
        request.method, request.path, query_params=list(request.query), header_params={}, auth_settings=["BearerToken"]
    )
    if url_check is not None:
        url_check(url)
    try:
        # The channel client itself rather than `stream()`: that one keeps a second copy of all output
        # (capture_all is forced on) and swaps `call_api` on the client other threads share.
        socket = WSClient(api_client.configuration, get_websocket_url(url), headers, capture_all=False, binary=True)
    except WebSocketBadStatusException as error:
        raise websocket_refusal(error) from None
    except (OSError, WebSocketException) as error:
        raise KubeUnavailable(
            f"cannot open an exec stream to the Kubernetes API server at {client.host}: {error}"
        ) from None
    try:
        return _run(
            socket,
            command=command,
            tty=tty,
            stdin=stdin,
            timeout_seconds=timeout_seconds,
            max_output_bytes=max_output_bytes,
        )
    finally:
        socket.close()


def _run(
    socket: Any, *, command: list[str], tty: bool, stdin: bytes | None, timeout_seconds: float, max_output_bytes: int
) -> ExecOutput:
    from kubernetes.stream.ws_client import ERROR_CHANNEL, STDERR_CHANNEL, STDOUT_CHANNEL, V5_CHANNEL_PROTOCOL

    deadline = time.monotonic() + timeout_seconds
    stdout, stderr = _BoundedOutput(max_output_bytes), _BoundedOutput(max_output_bytes)
    status = bytearray()
    stdin_left_open = False
    if stdin is not None:
        if stdin:
            socket.write_stdin(stdin)
        socket.close_channel(0)  # end of file for the command; a no-op before v5
        stdin_left_open = socket.subprotocol != V5_CHANNEL_PROTOCOL

    def drain() -> None:
        stdout.add(socket.read_channel(STDOUT_CHANNEL))
        stderr.add(socket.read_channel(STDERR_CHANNEL))
        status.extend(socket.read_channel(ERROR_CHANNEL))

    timed_out = False
    try:
        while socket.is_open():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                socket.close()  # stop reading: what is buffered is drained below, nothing new arrives
                break
            socket.update(timeout=min(remaining, _POLL_SECONDS))
            drain()
        drain()
    except WebSocketConnectionClosedException:
        socket.close()  # closed without a close frame: what arrived before still counts
        drain()
    except (OSError, WebSocketException) as error:
        raise KubeUnavailable(f"the exec stream was cut off: {error}") from None
    exit_code, failure = (None, "") if timed_out else _exit_status(bytes(status), command)
    return ExecOutput(
        stdout=stdout.text(tty),
        stderr=stderr.text(tty),
        stdout_bytes=stdout.total,
        stderr_bytes=stderr.total,
        max_output_bytes=max_output_bytes,
        exit_code=exit_code,
        timed_out=timed_out,
        failure=failure,
        stdin_left_open=stdin_left_open and timed_out,
    )


def _exit_status(raw: bytes, command: list[str]) -> tuple[int | None, str]:
    """(exit code, failure message) from the `Status` the kubelet sends when the command ends."""
    text = raw.decode("utf-8", "replace").strip()
    if not text:
        return None, "the connection closed before the command reported an exit status"
    try:
        status = json.loads(text)
    except ValueError:
        return None, text  # the pre-v4 protocols send the error as plain text
    if not isinstance(status, dict):
        return None, text
    if status.get("status") == "Success":
        return 0, ""
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                return int(cause.get("message", "")), ""
            except ValueError:
                break
    return None, str(status.get("message") or text)


def refuse_impersonated_stream(client: KubeClient) -> None:
    """Refuse a websocket stream for an impersonating client: the `kubernetes` client's websocket opener sends
    only the Authorization header, so the stream would run with the server's own rights instead of the person's."""
    if client.impersonation:
        raise KubeError(
            403,
            "Forbidden",
            "exec, attach, cp and port-forward are not available while the server impersonates each user "
            "(DOWNSTREAM_AUTH=impersonate): the stream could not carry your identity",
        )


def websocket_refusal(error: WebSocketBadStatusException) -> KubeError:
    """The API server's answer to the websocket upgrade, as a `KubeError` with its own message."""
    body: dict[str, Any] = {}
    raw = error.resp_body or b""
    try:
        parsed = json.loads(raw) if raw else {}
        body = parsed if isinstance(parsed, dict) else {}
    except ValueError:
        pass
    message = body.get("message") or raw.decode("utf-8", "replace").strip() or str(error.status_message or "")
    return KubeError(int(error.status_code), str(body.get("reason") or error.status_message or ""), message, body)
