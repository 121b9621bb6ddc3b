"""One connection to one pod port through the API server (`kubectl port-forward`, websocket flavour).

`kubernetes.stream.portforward` opens a websocket to `pods/<pod>/portforward` and runs a thread that
moves bytes between it and one end of a socket pair; `PodPortStream.socket` is the other end, an
ordinary socket the listener pumps a local connection into. Closing that socket ends the websocket.
"""

from __future__ import annotations

import json
import socket
from typing import Any

from kubernetes import client as k8s_client
from kubernetes.client.rest import ApiException
from kubernetes.stream import portforward
from websocket import WebSocketBadStatusException

from k8stools.kube import KubeClient, KubeError, KubeUnavailable


class PodPortStream:
    """An open websocket to one pod port, seen as a socket."""

    def __init__(self, forward: Any, port: int) -> None:
        self._forward = forward
        self.port = port
        self.socket: socket.socket = forward.socket(port)._socket

    def error(self) -> str:
        """What the kubelet reported on the port's error channel (a refused connection...), or ""."""
        return str(self._forward.error(self.port) or "").strip()

    def close(self) -> None:
        self.socket.close()


def open_pod_port(client: KubeClient, *, namespace: str, pod: str, port: int) -> PodPortStream:
    """Open a websocket to `port` of the pod (blocking); `KubeError` when the API server refuses it.

    Callers check the policy on the portforward path first: this function only talks to the API server.
    """
    client.limiter.acquire()
    # A client of its own: `portforward()` swaps the client's `call_api` while it connects, which must
    # not affect the requests other threads send on the shared client meanwhile.
    api_client = k8s_client.ApiClient(client.api_client.configuration)
    try:
        forward = portforward(
            k8s_client.CoreV1Api(api_client).connect_get_namespaced_pod_portforward, pod, namespace, ports=str(port)
        )
    except ApiException as error:
        raise _refusal(error, client.host) from None
    finally:
        api_client.close()
    return PodPortStream(forward, port)


def _refusal(error: ApiException, host: str) -> KubeError:
    """The API server's answer to the websocket upgrade, as a `KubeError` with its own message."""
    cause = error.__context__
    if isinstance(cause, WebSocketBadStatusException):
        raw = cause.resp_body or b""
        body: dict[str, Any] = {}
        try:
            parsed = json.loads(raw) if raw else {}
            body = parsed if isinstance(parsed, dict) else {}
        except ValueError:
            pass
        message = body.get("message") or raw.decode("utf-8", "replace").strip() or str(cause.status_message or "")
        return KubeError(int(cause.status_code), str(body.get("reason") or cause.status_message or ""), message, body)
    if isinstance(cause, OSError) or cause is None:
        reason = f"{type(cause).__name__}: {cause}" if cause else str(error.reason)
        return KubeUnavailable(f"cannot open a port-forward stream to the Kubernetes API server at {host}: {reason}")
    return KubeError(0, "StreamFailed", f"the port-forward stream could not be opened: {cause}")
