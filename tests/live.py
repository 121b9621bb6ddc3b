"""Starting the real thing for integration tests: the fake cluster and a daphne server process.

`LiveServerTestCase` starts, once per test class, a seeded `FakeCluster` on 127.0.0.1 and the
kubemcp server (daphne on a free loopback port) against it, sharing the test database file, and
stops both afterwards. Tests talk to the server with the `mcp` SDK's client, as users do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, ClassVar

from django.db import connection
from django.test import TransactionTestCase
from mcp import Client
from mcp_types import CallToolResult

from fakekube import FakeCluster

BASE_DIR = Path(__file__).resolve().parent.parent
# Variables of the developer's shell that must not leak into a test server.
_ISOLATED = (
    "KUBECONFIG",
    "KUBE_CONTEXT",
    "DATABASE_URL",
    "REDIS_URL",
    "IN_CLUSTER",
    "RESTRICTED_NAMESPACES",
    "ALLOWED_OPERATIONS",
    "NON_DESTRUCTIVE",
    "READ_ONLY",
    "DRY_RUN",
    "OAUTH_ENABLED",
    "DOWNSTREAM_OAUTH",
)


def free_port() -> int:
    """A port that was free a moment ago: for a program that can only be told a number. Another process (a test
    running beside this one, any outgoing connection) may take it before that program binds it; a daphne server
    is given a `listening_socket()` instead."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening_socket() -> socket.socket:
    """A socket bound to a port the OS chose on 127.0.0.1, already listening: no one else can take the port between
    choosing it and serving on it. Hand it to `LiveServer(listener=...)`."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def test_database_url() -> str:
    """The database the test runner created, for a server process to share."""
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{settings['NAME']}"


def server_environment(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _ISOLATED}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "mcpsite.settings",
            "DATABASE_URL": test_database_url(),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides)
    return env


def wait_until_answering(
    process: subprocess.Popen[bytes], url: str, *, what: str, timeout: float, log: Callable[[], str]
) -> bool:
    """Poll `url` until it answers 200 (True), the process exits (RuntimeError) or `timeout` passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited during start-up:\n{log()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.1)
    return False


def when_requested(fake: FakeCluster, predicate: Any, then: Any, timeout: float = 10.0) -> threading.Thread:
    """In a thread: once a request matching `predicate` has reached the fake, run `then()`."""

    def wait_then_act() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(predicate(request) for request in fake.requests):
                then()
                return
            time.sleep(0.02)

    thread = threading.Thread(target=wait_then_act, daemon=True)
    thread.start()
    return thread


class LiveServer:
    """One kubemcp server process (daphne) on a free loopback port: daphne serves on `listener` (a new
    `listening_socket()` unless given one), handed to it as an open file descriptor."""

    def __init__(self, *, env: dict[str, str], listener: socket.socket | None = None) -> None:
        self.env = env
        self.listener = listener or listening_socket()
        self.port = int(self.listener.getsockname()[1])
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="kubemcp-server-", suffix=".log")[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"

    def start(self, timeout: float = 30.0) -> LiveServer:
        fd = self.listener.fileno()
        command = [sys.executable, "-m", "daphne", "--fd", str(fd), "mcpsite.asgi:application"]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT, pass_fds=(fd,)
            )
        self.listener.close()  # the server holds the port now; it is free again once the server exits
        if wait_until_answering(self.process, f"{self.url}/healthz", what="the server", timeout=timeout, log=self.log):
            return self
        self.stop()
        raise RuntimeError(f"the server did not answer /healthz within {timeout}s:\n{self.log()}")

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, then wait; returns the exit code (None if it had to be killed)."""
        self.listener.close()  # if never started: the port is not held for nothing
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


@contextlib.asynccontextmanager
async def mcp_client(url: str, *, mode: str = "legacy", **options: Any) -> AsyncIterator[Client]:
    async with Client(url, mode=mode, **options) as client:  # type: ignore[arg-type]
        yield client


def serve_cluster(stack: contextlib.ExitStack, cluster: FakeCluster) -> dict[str, str]:
    """Serve `cluster` while `stack` is open; the KUBECONFIG and DATA_DIR of the servers that talk to it."""
    running = stack.enter_context(cluster.serve())
    directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="kubemcp-test-"))
    kubeconfig = str(Path(directory) / "kubeconfig")
    running.write_kubeconfig(kubeconfig)
    return {"KUBECONFIG": kubeconfig, "DATA_DIR": directory}


class LiveServerTestCase(TransactionTestCase):
    """A seeded fake cluster and a kubemcp server against it, for the whole class."""

    seed: ClassVar[dict[str, int]] = {"pods": 12, "namespaces": 2}
    server_env: ClassVar[dict[str, str]] = {}
    extra_contexts: ClassVar[tuple[str, ...]] = ("other",)

    fake: ClassVar[FakeCluster]
    server: ClassVar[LiveServer]
    kubeconfig: ClassVar[str]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake = FakeCluster()
        if cls.seed:
            cls.fake.seed(**cls.seed)
        cls._stack = contextlib.ExitStack()
        cls.running = cls._stack.enter_context(cls.fake.serve())
        cls._tmp = cls._stack.enter_context(tempfile.TemporaryDirectory(prefix="kubemcp-test-"))
        cls.kubeconfig = str(Path(cls._tmp) / "kubeconfig")
        cls.running.write_kubeconfig(cls.kubeconfig, extra_contexts=cls.extra_contexts)
        env = server_environment(KUBECONFIG=cls.kubeconfig, DATA_DIR=cls._tmp, **cls.server_env)
        cls.server = LiveServer(env=env)
        try:
            cls.server.start()
        except Exception:
            cls._stack.close()
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()
        cls._stack.close()
        super().tearDownClass()

    def call(self, tool: str, mode: str = "legacy", **arguments: Any) -> CallToolResult:
        """One `tools/call` through a fresh MCP client session."""

        async def go() -> CallToolResult:
            async with mcp_client(self.server.mcp_url, mode=mode) as client:
                return await client.call_tool(tool, arguments)

        return run(go())

    def text(self, tool: str, **arguments: Any) -> str:
        """The text of a successful call (fails the test on a tool error)."""
        result = self.call(tool, **arguments)
        body = "".join(getattr(block, "text", "") for block in result.content)
        if result.is_error:
            self.fail(f"{tool} failed: {body}")
        return body

    def error(self, tool: str, **arguments: Any) -> str:
        """The text of a call that must fail (fails the test on success)."""
        result = self.call(tool, **arguments)
        body = "".join(getattr(block, "text", "") for block in result.content)
        if not result.is_error:
            self.fail(f"{tool} succeeded but should have failed: {body}")
        return body

    def with_client(self, body: Callable[[Client], Any], mode: str = "legacy", **options: Any) -> Any:
        """Run `await body(client)` inside one client session."""

        async def go() -> Any:
            async with mcp_client(self.server.mcp_url, mode=mode, **options) as client:
                return await body(client)

        return run(go())
