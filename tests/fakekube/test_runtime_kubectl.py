"""The runtime as client-go sees it: kubectl's exec (v5 websockets), logs and port-forward (SPDY)."""

from __future__ import annotations

import os
import queue
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.fakekube.test_runtime_support import EchoHandler, RuntimeTestCase, pod, start_server
from tests.live import when_requested

KUBECTL = shutil.which("kubectl")


class KubectlTestCase(RuntimeTestCase):
    def setUp(self) -> None:
        # kubectl is part of the machine these tests run on (the benchmarks use it too).
        self.assertIsNotNone(KUBECTL, "kubectl is not installed")
        super().setUp()
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.kubeconfig = Path(directory.name) / "kubeconfig"
        self.server.write_kubeconfig(self.kubeconfig)
        # kubectl caches discovery per server; keep that cache out of the home directory.
        self.kubectl_env = {"KUBECONFIG": str(self.kubeconfig), "KUBECACHEDIR": str(Path(directory.name) / "cache")}
        self.cluster.add_object(pod("web-1"))
        self.runtime.expose_port("default", "web-1", 8080, "127.0.0.1", start_server(self, EchoHandler))

    def delete_soon(self) -> None:
        """Delete the pod a moment after a stream's request reached the fake (its stream is then set up)."""
        time.sleep(0.3)
        self.cluster.delete_object("pods", "default", "web-1")

    def kubectl(self, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KUBECTL), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, **self.kubectl_env, **env},
        )


def is_subresource(subresource: str) -> Any:
    return lambda request: request.subresource == subresource and request.name == "web-1"


class KubectlExecTests(KubectlTestCase):
    def test_exec_returns_output_and_the_exit_code(self) -> None:
        result = self.kubectl("exec", "web-1", "--", "sh", "-c", "echo out; echo err >&2; exit 3")

        self.assertEqual((result.stdout, result.returncode), ("out\n", 3))
        self.assertIn("err\n", result.stderr)
        self.assertIn("command terminated with exit code 3", result.stderr)

    def test_exec_passes_stdin_through(self) -> None:
        result = self.kubectl("exec", "-i", "web-1", "--", "wc", "-l", stdin="a\nb\nc\n")

        self.assertEqual((result.stdout, result.returncode), ("3\n", 0))

    def test_a_missing_executable_is_reported_like_containerd(self) -> None:
        result = self.kubectl("exec", "web-1", "--", "nosuchtool")

        self.assertNotEqual(result.returncode, 0)
        self.assertIn('exec: "nosuchtool": executable file not found in $PATH', result.stderr)

    def test_logs_follow_until_the_pod_is_deleted(self) -> None:
        self.runtime.set_logs("default", "web-1", "app", ["one", "two"])
        # Once kubectl's follow request has reached the fake (not after a fixed time: a loaded machine may start
        # kubectl later than that, and it would find no pod).
        when_requested(self.cluster, is_subresource("log"), self.delete_soon)

        result = self.kubectl("logs", "-f", "web-1")

        self.assertEqual(result.stdout, "one\ntwo\n")


class KubectlAttachTests(KubectlTestCase):
    def test_attach_shows_new_output_until_the_pod_goes_away(self) -> None:
        self.runtime.set_logs("default", "web-1", "app", ["before"])

        def write_then_delete() -> None:
            time.sleep(0.3)  # the attach stream is set up just after its request is recorded
            self.runtime.append_log("default", "web-1", "app", "after")
            self.delete_soon()

        when_requested(self.cluster, is_subresource("attach"), write_then_delete)

        result = self.kubectl("attach", "web-1")

        self.assertEqual((result.stdout, result.returncode), ("after\n", 0))


class PortForwardProcess:
    """A running `kubectl port-forward`, with the local port it chose."""

    def __init__(self, test: KubectlTestCase, *ports: str, **env: str) -> None:
        self.process = subprocess.Popen(
            [str(KUBECTL), "port-forward", "pod/web-1", *ports],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **test.kubectl_env, **env},
        )
        test.addCleanup(self.stop)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.local_ports: list[int] = []
        while len(self.local_ports) < len(ports):
            match = re.match(r"Forwarding from 127\.0\.0\.1:(\d+) ->", self.lines.get(timeout=10))
            if match:
                self.local_ports.append(int(match.group(1)))

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def connect(self, index: int = 0) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.local_ports[index]), timeout=5)
        return sock

    def wait(self) -> tuple[int, str]:
        code = self.process.wait(timeout=10)
        assert self.process.stderr is not None
        return code, self.process.stderr.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def exchange(sock: socket.socket, payload: bytes) -> bytes:
    sock.sendall(payload)
    received = b""
    while len(received) < len(payload):
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


class KubectlPortForwardTests(KubectlTestCase):
    def test_the_websocket_tunnel_carries_several_connections(self) -> None:
        forward = PortForwardProcess(self, ":8080")
        sockets = [forward.connect() for _ in range(3)]
        payloads = [f"connection {n} ".encode() * 20000 for n in range(3)]

        received: list[Any] = [None] * 3
        threads = [
            threading.Thread(target=lambda n=n: received.__setitem__(n, exchange(sockets[n], payloads[n])))
            for n in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)

        self.assertEqual(received, payloads)
        for sock in sockets:
            sock.close()

    def test_plain_spdy_works_too(self) -> None:
        forward = PortForwardProcess(self, ":8080", KUBECTL_PORT_FORWARD_WEBSOCKETS="false")

        with forward.connect() as sock:
            self.assertEqual(exchange(sock, b"hello"), b"hello")

    def test_a_port_nothing_listens_on_ends_the_forward_with_the_kubelets_error(self) -> None:
        forward = PortForwardProcess(self, ":9999")

        with forward.connect() as sock:
            sock.sendall(b"x")
            self.assertEqual(sock.recv(10), b"")
        code, stderr = forward.wait()

        self.assertNotEqual(code, 0)
        self.assertIn("dial tcp4 127.0.0.1:9999: connect: connection refused", stderr)

    def test_deleting_the_pod_ends_the_forward(self) -> None:
        forward = PortForwardProcess(self, ":8080")
        with forward.connect() as sock:
            self.assertEqual(exchange(sock, b"ping"), b"ping")

            started = time.monotonic()
            self.cluster.delete_object("pods", "default", "web-1")

            self.assertEqual(sock.recv(10), b"")
        code, stderr = forward.wait()
        self.assertNotEqual(code, 0)
        self.assertIn("lost connection to pod", stderr)
        self.assertLess(time.monotonic() - started, 5)
