"""One connection to one pod port through the API server (`kubectl port-forward`, websocket flavour).

The websocket is opened the way `kubernetes.stream.portforward` opens it (the generated client's URL
and credentials, `ws_client.create_websocket` for TLS, client certificates and proxies), then read
and written here. The library's own `PortForward` moves bytes in one thread with unbounded buffers
and a blocking send: with data flowing both ways at once (an echo, a database restore) it stalls,
and its buffers grow without limit. Here one thread reads and one thread writes, and each waits for
its peer (backpressure), so memory stays bounded and neither direction blocks the other.

The channel protocol: the first frame on each channel carries the port number (two bytes, little
endian); then channel 0 carries data both ways and channel 1 the kubelet's error text. It has no
half-close: when a client stops sending, the pod side is read for a short while, then the websocket
is closed.
"""

from __future__ import annotations

import contextlib
import select
import ssl
from typing import Any

from websocket import ABNF, WebSocketBadStatusException, WebSocketException

from k8stools.guard import PodConnection
from k8stools.kube import KubeError, KubeUnavailable
from k8stools.kube_streams import refuse_impersonated_stream, websocket_refusal

DATA_CHANNEL, ERROR_CHANNEL = 0, 1
CONNECT_TIMEOUT_SECONDS = 15.0


class StreamClosed(Exception):
    """The websocket ended (the pod side closed, the pod went away, or we closed it)."""


class PodPortStream:
    """An open websocket to one pod port: `receive()` from one thread, `send()` from another."""

    def __init__(self, websocket: Any, port: int) -> None:
        self.websocket = websocket
        self.port = port
        self.error = ""  # what the kubelet reported on the error channel (a refused connection...)
        self._announced = [False, False]

    def send(self, data: bytes) -> None:
        try:
            self.websocket.send(bytes((DATA_CHANNEL,)) + data, opcode=ABNF.OPCODE_BINARY)
        except (OSError, WebSocketException) as error:
            raise StreamClosed(str(error)) from None

    def receive(self, timeout: float | None = None) -> bytes | None:
        """The pod's next bytes; None when nothing came within `timeout`. `StreamClosed` at the end."""
        while True:
            if timeout is not None and not self._readable(timeout):
                return None
            try:
                opcode, frame = self.websocket.recv_data_frame(True)
            except (OSError, WebSocketException) as error:
                raise StreamClosed(str(error)) from None
            if opcode == ABNF.OPCODE_CLOSE:
                raise StreamClosed("closed by the API server")
            if opcode != ABNF.OPCODE_BINARY or not frame.data:
                continue
            channel, payload = frame.data[0], frame.data[1:]
            if channel not in (DATA_CHANNEL, ERROR_CHANNEL):
                raise StreamClosed(f"unexpected channel {channel} in the port-forward stream")
            if not self._announced[channel]:
                self._announced[channel] = True  # the port number the channel belongs to
                continue
            if channel == ERROR_CHANNEL:
                self.error += payload.decode("utf-8", "replace")
                continue
            if payload:
                return bytes(payload)

    def _readable(self, timeout: float) -> bool:
        sock = self.websocket.sock
        if sock is None:
            raise StreamClosed("closed")
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True
        try:
            readable, _, _ = select.select([sock], [], [], timeout)
        except (OSError, ValueError) as error:
            raise StreamClosed(str(error)) from None
        return bool(readable)

    def close(self) -> None:
        """Close without the closing handshake; a thread blocked in `receive` or `send` wakes up."""
        with contextlib.suppress(Exception):
            self.websocket.shutdown()


def open_pod_port(connection: PodConnection, *, port: int) -> PodPortStream:
    """Open a websocket to `port` of the pod the guard allowed `connection` for (blocking).

    `KubeError` when the API server refuses it.
    """
    # Imported here, not at the top: the `kubernetes` package stays out of a server's start (see k8stools.kube).
    from kubernetes.client.rest import ApiException
    from kubernetes.stream.ws_client import create_websocket, get_websocket_url

    client = connection.client
    request = connection.request.with_query(("ports", port))
    url_check = connection.url_check(request)
    refuse_impersonated_stream(client)
    client.limiter.acquire()
    api_client = client.api_client
    try:
        _method, url, headers, _body, _post = api_client.param_serialize(
            request.method,
            request.path,
            query_params=list(request.query),
            header_params={},
            auth_settings=["BearerToken"],
        )
        url_check(url)
        lowered = {key.lower(): value for key, value in headers.items()}
        websocket = create_websocket(api_client.configuration, get_websocket_url(url), lowered)
    except WebSocketBadStatusException as error:
        raise websocket_refusal(error) from None
    except ApiException as error:  # credentials that could not be loaded (an exec plugin failing...)
        raise KubeError(int(error.status or 0), str(error.reason or ""), str(error.reason or error)) from None
    except (OSError, WebSocketException) as error:
        raise KubeUnavailable(
            f"cannot open a port-forward stream to the Kubernetes API server at {client.host}: "
            f"{type(error).__name__}: {error}"
        ) from None
    return PodPortStream(websocket, port)
