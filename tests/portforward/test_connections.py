"""One session's connections: bulk data both ways at once, a client that stops sending, the cap, a closed pod port."""

from __future__ import annotations

import contextlib
import socket
import threading

from k8stools.models import PortForwardSession
from k8stools.portforward.config import PortForwardConfig
from tests.portforward.base import WorkflowTestCase
from tests.portforward.support import wait_for


def echo_both_ways_at_once(port: int, size: int) -> int:
    """Send `size` bytes while reading the echo; the number of bytes that came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        chunk = bytes(range(256)) * 256

        def send() -> None:
            for _ in range(size // len(chunk)):
                sock.sendall(chunk)

        sender = threading.Thread(target=send)
        sender.start()
        received = 0
        while received < size:
            data = sock.recv(1 << 20)
            if not data:
                break
            received += len(data)
        sender.join()
        return received


class ConnectionTests(WorkflowTestCase):
    config = PortForwardConfig(check_seconds=0.1, max_connections=2)

    def test_bulk_data_both_ways_at_once_does_not_stall(self) -> None:
        # kubernetes.stream.portforward's own PortForward stalls on this: one thread, blocking send, unbounded buffers.
        port = self.start().ports[0][0]

        self.assertEqual(echo_both_ways_at_once(port, 64 << 20), 64 << 20)

    def test_a_client_that_stops_sending_still_gets_the_pods_answer_then_the_connection_ends(self) -> None:
        port = self.start().ports[0][0]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"last request")
            sock.shutdown(socket.SHUT_WR)
            received = b""
            while data := sock.recv(1024):
                received += data

        self.assertEqual(received, b"last request")

    def test_connections_beyond_the_cap_are_refused_and_the_reason_recorded(self) -> None:
        session = self.start()
        port = session.ports[0][0]
        held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(2)]
        for sock in held:
            self.addCleanup(sock.close)
            sock.sendall(b"x")
            self.assertEqual(sock.recv(1), b"x")

        # Closed at once: an end of stream, or a reset when it comes before the connection is read.
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as extra,
            contextlib.suppress(ConnectionResetError),
        ):
            self.assertEqual(extra.recv(1), b"")

        row = wait_for(lambda: PortForwardSession.objects.filter(pk=session.pk).exclude(last_error="").first())
        self.assertIn("2 are open at once already (PORT_FORWARD_MAX_CONNECTIONS)", row.last_error)
        held[0].sendall(b"y")
        self.assertEqual(held[0].recv(1), b"y")

    def test_a_pod_port_nobody_listens_on_closes_the_connection_and_is_reported(self) -> None:
        session = self.start(ports=["9999"])

        with socket.create_connection(("127.0.0.1", session.ports[0][0]), timeout=10) as sock:
            sock.sendall(b"hello?")
            self.assertEqual(sock.recv(10), b"")

        row = wait_for(lambda: PortForwardSession.objects.filter(pk=session.pk).exclude(last_error="").first())
        self.assertIn("port 9999:", row.last_error)
        self.assertIn("connection refused", row.last_error)
        self.assertEqual(row.status, "active")  # the pod is still there: other ports or later connections may work


class StreamEndTests(WorkflowTestCase):
    def test_a_stream_the_api_server_ends_closes_its_connection_but_a_live_pod_keeps_the_session(self) -> None:
        session = self.start()
        port = session.ports[0][0]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"one")
            self.assertEqual(sock.recv(3), b"one")

            self.cluster.runtime.close_forwards("default", "web-1")

            self.assertEqual(sock.recv(3), b"")
        # The pod was looked at after that odd end, and is fine: the session goes on.
        wait_for(lambda: self.cluster.requests and self.cluster.requests[-1].path.endswith("/pods/web-1"))
        self.assertEqual(PortForwardSession.objects.get(pk=session.pk).status, "active")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as again:
            again.sendall(b"two")
            self.assertEqual(again.recv(3), b"two")
