"""Port-forward through `kubernetes.stream.portforward`, bridged to real TCP servers on 127.0.0.1."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import websocket
from kubernetes.client.rest import ApiException
from kubernetes.stream import portforward

from tests.fakekube.test_runtime_support import EchoHandler, GreetingHandler, RuntimeTestCase, pod, start_server


def receive_exactly(sock: Any, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


class PortForwardTests(RuntimeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cluster.add_object(pod("db-1"))
        self.echo_port = start_server(self, EchoHandler)
        self.runtime.expose_port("default", "db-1", 8080, "127.0.0.1", self.echo_port)

    def forward(self, ports: str, name: str = "db-1") -> Any:
        forwarder = portforward(self.api.connect_get_namespaced_pod_portforward, name, "default", ports=ports)
        self.addCleanup(forwarder.close)
        return forwarder

    def socket_of(self, forwarder: Any, port: int) -> Any:
        sock = forwarder.socket(port)
        sock.settimeout(5)
        return sock

    def test_bytes_reach_the_exposed_server_and_come_back(self) -> None:
        sock = self.socket_of(self.forward("8080"), 8080)

        sock.sendall(b"hello")

        self.assertEqual(receive_exactly(sock, 5), b"hello")

    def test_a_megabyte_round_trips_intact(self) -> None:
        sock = self.socket_of(self.forward("8080"), 8080)
        payload = bytes(range(256)) * 4096

        sock.sendall(payload)

        self.assertEqual(receive_exactly(sock, len(payload)), payload)

    def test_concurrent_forwards_each_get_their_own_connection(self) -> None:
        def exchange(number: int) -> bool:
            sock = self.socket_of(self.forward("8080"), 8080)
            message = f"client {number} ".encode() * 100
            sock.sendall(message)
            return receive_exactly(sock, len(message)) == message

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(exchange, range(8)))

        self.assertEqual(results, [True] * 8)

    def test_one_websocket_forwards_several_ports(self) -> None:
        greeting_port = start_server(self, GreetingHandler)
        self.runtime.expose_port("default", "db-1", 25, "127.0.0.1", greeting_port)
        forwarder = self.forward("8080,25")
        echo, greeting = self.socket_of(forwarder, 8080), self.socket_of(forwarder, 25)

        echo.sendall(b"ping")

        self.assertEqual(receive_exactly(greeting, 14), b"220 greeting\r\n")
        self.assertEqual(receive_exactly(echo, 4), b"ping")

    def test_a_port_nothing_listens_on_is_refused_on_its_error_channel(self) -> None:
        forwarder = self.forward("9090")
        sock = self.socket_of(forwarder, 9090)

        self.assertEqual(sock.recv(10), b"")
        error = forwarder.error(9090)
        self.assertTrue(error.startswith("error forwarding port 9090 to pod "), error)
        self.assertIn("dial tcp4 127.0.0.1:9090: connect: connection refused", error)

    def test_the_connection_closes_when_the_pod_is_deleted(self) -> None:
        sock = self.socket_of(self.forward("8080"), 8080)
        sock.sendall(b"before")
        self.assertEqual(receive_exactly(sock, 6), b"before")

        self.cluster.delete_object("pods", "default", "db-1")

        self.assertEqual(sock.recv(10), b"")

    def test_closing_the_forward_closes_the_pod_side_connection(self) -> None:
        forwarder = self.forward("8080")
        sock = self.socket_of(forwarder, 8080)
        sock.sendall(b"hi")
        self.assertEqual(receive_exactly(sock, 2), b"hi")

        forwarder.close()

        self.assertStreamsEnd("forward")

    def test_close_forwards_ends_every_forward_into_the_pod(self) -> None:
        first = self.socket_of(self.forward("8080"), 8080)
        second = self.socket_of(self.forward("8080"), 8080)
        first.sendall(b"x")
        second.sendall(b"y")
        self.assertEqual((receive_exactly(first, 1), receive_exactly(second, 1)), (b"x", b"y"))

        self.runtime.close_forwards("default", "db-1")

        self.assertEqual((first.recv(10), second.recv(10)), (b"", b""))

    def test_the_client_sees_the_end_when_the_pod_side_server_hangs_up(self) -> None:
        self.runtime.expose_port("default", "db-1", 25, "127.0.0.1", start_server(self, GreetingHandler))
        sock = self.socket_of(self.forward("25"), 25)

        self.assertEqual(receive_exactly(sock, 100), b"220 greeting\r\n")

    def test_a_pod_that_is_not_running_is_refused(self) -> None:
        self.cluster.add_object(pod("db-2", phase="Pending"))

        with self.assertRaises(ApiException) as raised:
            self.forward("8080", name="db-2")

        self.assertIn("400", str(raised.exception.reason))
        self.assertIn("is not running", str(raised.exception.reason))

    def test_a_missing_pod_is_404(self) -> None:
        with self.assertRaises(ApiException) as raised:
            self.forward("8080", name="ghost")

        self.assertIn('pods \\"ghost\\" not found', str(raised.exception.reason))


class PortForwardWireTests(RuntimeTestCase):
    """What crosses the websocket, seen with a bare websocket client."""

    def setUp(self) -> None:
        super().setUp()
        self.cluster.add_object(pod("db-1"))
        self.runtime.expose_port("default", "db-1", 8080, "127.0.0.1", start_server(self, EchoHandler))
        self.runtime.expose_port("default", "db-1", 5432, "127.0.0.1", start_server(self, EchoHandler))

    def connect(self, query: str) -> websocket.WebSocket:
        url = f"ws://127.0.0.1:{self.server.port}/api/v1/namespaces/default/pods/db-1/portforward?{query}"
        ws = websocket.create_connection(url, subprotocols=["v5.channel.k8s.io", "v4.channel.k8s.io"], timeout=5)
        self.addCleanup(ws.close)
        return ws

    def test_repeated_ports_parameters_open_two_channel_pairs_announcing_their_port(self) -> None:
        ws = self.connect("ports=8080&ports=5432")

        frames = [ws.recv() for _ in range(4)]

        self.assertEqual(ws.getsubprotocol(), "v4.channel.k8s.io")
        self.assertEqual(frames, [b"\x00\x90\x1f", b"\x01\x90\x1f", b"\x02\x38\x15", b"\x03\x38\x15"])

    def test_data_on_a_ports_channel_reaches_that_ports_server(self) -> None:
        ws = self.connect("ports=8080,5432")
        for _ in range(4):
            ws.recv()

        ws.send_binary(b"\x02to-postgres")

        self.assertEqual(ws.recv(), b"\x02to-postgres")

    def test_a_plain_request_must_upgrade(self) -> None:
        with self.assertRaises(ApiException) as raised:
            self.api.connect_get_namespaced_pod_portforward("db-1", "default", ports="8080")

        self.assertEqual(raised.exception.status, 400)

    def test_a_port_out_of_range_is_refused(self) -> None:
        with self.assertRaises(websocket.WebSocketBadStatusException) as raised:
            self.connect("ports=70000")

        self.assertEqual(raised.exception.status_code, 400)
