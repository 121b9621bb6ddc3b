"""The real MCP server in-process: every call through the real path (schema, policy, runner, audit) in milliseconds.

`InProcessCluster` serves a `FakeCluster` on 127.0.0.1 with a kubeconfig for it; `InProcessServer` builds
`KubeMCPServer` the way `mcpsite` does (a `ServerContext` over a `ServerConfig`, the policy read by the
real `PolicySource`), with the policy given by keyword; `McpSession` is the mcp SDK's client over its
in-memory transport, driven from synchronous test code through a blocking portal (one event loop per
session, so many calls share one connection). Nothing is patched: requests reach the fake over HTTP
through the official client.

Tools run in worker threads and write audit records with their own database connections, so tests
that use this harness are `TransactionTestCase`s (see `InProcessTestCase`).
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from anyio.from_thread import BlockingPortal, start_blocking_portal
from django.conf import settings
from django.test import TransactionTestCase
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import (
    CallToolResult,
    CompleteResult,
    GetPromptResult,
    PromptReference,
    ReadResourceResult,
    ResourceTemplateReference,
    Tool,
)

from fakekube import FakeCluster
from fakekube.serving import RunningServer
from k8stools.config import ServerConfig
from k8stools.context import ServerContext
from k8stools.log import Logger
from k8stools.policy import PolicySource
from k8stools.server import KubeMCPServer


class InProcessCluster:
    """A `FakeCluster` served on a free loopback port, with a kubeconfig (contexts `fake` and `other`)."""

    def __init__(self, fake: FakeCluster, *, extra_contexts: tuple[str, ...] = ("other",)) -> None:
        self.fake = fake
        self._stack = contextlib.ExitStack()
        self.running: RunningServer = self._stack.enter_context(fake.serve())
        self.directory = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="kubemcp-inprocess-")))
        self.kubeconfig = str(
            self.running.write_kubeconfig(self.directory / "kubeconfig", extra_contexts=extra_contexts)
        )

    def close(self) -> None:
        self._stack.close()


class InProcessServer:
    """`KubeMCPServer` against a kubeconfig, with the configuration (and so the default policy) by keyword.

    `config` takes `ServerConfig` fields: `restricted_namespaces`, `non_destructive`, `dry_run`,
    `allowed_operations`, ... The policy is the real `PolicySource` (a policy row in the database, if a
    test writes one, overrides these defaults as it does in production), re-read on every call.
    """

    def __init__(self, *, kubeconfig: str, audit_enabled: bool = True, **config: Any) -> None:
        # The fake answers in a millisecond: the client-side rate limit (20/s by default) would only slow tests.
        config = {"qps": 1000.0, "burst": 1000, **config}
        self.context = ServerContext(
            config=ServerConfig(kubeconfig=kubeconfig, **config), logger=Logger("kubemcp.inprocess")
        )
        self.policy = PolicySource(lambda: self.context.config)
        self.mcp = KubeMCPServer(
            server=lambda: self.context,
            policy=self.policy,
            audit_enabled=audit_enabled,
            request_state_key=settings.MCP_REQUEST_STATE_KEY,
        )

    @contextlib.contextmanager
    def session(self) -> Iterator[McpSession]:
        """An initialised client session over the in-memory transport, open for the `with` block."""
        with start_blocking_portal() as portal:
            client = Client(self.mcp, mode="legacy", cache=None)
            with portal.wrap_async_context_manager(client) as connected:
                yield McpSession(portal, connected, self)

    def close(self) -> None:
        self.context.shutdown()


class McpSession:
    """Synchronous calls on one connected `mcp.Client`; protocol errors raise `MCPError`, as the SDK does."""

    def __init__(self, portal: BlockingPortal, client: Client, server: InProcessServer) -> None:
        self._portal = portal
        self.client = client
        self.server = server

    def list_tools(self) -> list[Tool]:
        return list(self._portal.call(self.client.list_tools).tools)

    def call_tool(self, name: str, arguments: Any) -> CallToolResult:
        return self._portal.call(self.client.call_tool, name, arguments)

    def read_resource(self, uri: str) -> ReadResourceResult:
        return self._portal.call(self.client.read_resource, uri)

    def get_prompt(self, name: str, arguments: dict[str, str]) -> GetPromptResult:
        return self._portal.call(self.client.get_prompt, name, arguments)

    def list_prompt_arguments(self) -> dict[str, list[str]]:
        """Each prompt's argument names."""
        prompts = self._portal.call(self.client.list_prompts).prompts
        return {prompt.name: [argument.name for argument in prompt.arguments or []] for prompt in prompts}

    def complete(
        self,
        ref: ResourceTemplateReference | PromptReference,
        argument: dict[str, str],
        context_arguments: dict[str, str] | None = None,
    ) -> CompleteResult:
        return self._portal.call(self.client.complete, ref, argument, context_arguments)


def text_of(result: Any) -> str:
    """Every text block of a tool result, prompt or resource, joined."""
    if isinstance(result, CallToolResult):
        blocks: list[Any] = list(result.content)
    elif isinstance(result, GetPromptResult):
        blocks = [message.content for message in result.messages]
    elif isinstance(result, ReadResourceResult):
        blocks = list(result.contents)
    elif isinstance(result, CompleteResult):
        return "\n".join(result.completion.values)
    else:
        return str(result)
    return "".join(str(getattr(block, "text", "") or "") for block in blocks)


class CapturedLogs(logging.Handler):
    """Every log record of the process while installed, formatted with its structured fields."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self._lines: list[str] = []
        self._lock_lines = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = f"{record.name} {record.levelname} {record.getMessage()} {getattr(record, 'kubemcp_fields', '')}"
            if record.exc_info:
                line += "\n" + logging.Formatter().formatException(record.exc_info)
        except Exception as error:  # a record that cannot be formatted is still evidence
            line = f"{record.name} unformattable record: {error!r}"
        with self._lock_lines:
            self._lines.append(line)

    def lines(self) -> list[str]:
        with self._lock_lines:
            return list(self._lines)

    def clear(self) -> None:
        with self._lock_lines:
            self._lines.clear()

    @contextlib.contextmanager
    def installed(self, *names: str) -> Iterator[CapturedLogs]:
        """Capture the named loggers (the root logger by default) at DEBUG while the block runs."""
        loggers = [logging.getLogger(name) for name in names or ("",)]
        levels = [logger.level for logger in loggers]
        # The console keeps showing warnings and errors only, not every debug line captured here.
        console = [handler for logger in loggers for handler in logger.handlers]
        console_levels = [handler.level for handler in console]
        for handler in console:
            handler.setLevel(max(handler.level, logging.WARNING))
        for logger in loggers:
            logger.addHandler(self)
            logger.setLevel(logging.DEBUG)
        try:
            yield self
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.removeHandler(self)
                logger.setLevel(level)
            for handler, level in zip(console, console_levels, strict=True):
                handler.setLevel(level)


class InProcessTestCase(TransactionTestCase):
    """A served fake cluster, and in-process servers over it built per test.

    Subclasses override `make_cluster` (a seeded `FakeCluster`). The cluster is fresh for every test, so
    a test that changes it (or a guardrail that failed to stop a write) cannot change what the next test
    sees; seeding and serving it take a few tens of milliseconds. `self.server(...)` builds a server
    with a configuration and `with self.server(...).session() as mcp:` talks to it.
    """

    fake: FakeCluster
    cluster: InProcessCluster

    @classmethod
    def make_cluster(cls) -> FakeCluster:
        fake = FakeCluster()
        fake.seed(pods=12, namespaces=3)
        return fake

    def setUp(self) -> None:
        super().setUp()
        self.fake = self.make_cluster()
        self.cluster = InProcessCluster(self.fake)
        self.addCleanup(self.cluster.close)

    def server(self, **config: Any) -> InProcessServer:
        """A server over this class's cluster; closed when the test ends."""
        server = InProcessServer(kubeconfig=self.cluster.kubeconfig, **config)
        self.addCleanup(server.close)
        return server


__all__ = [
    "CapturedLogs",
    "InProcessCluster",
    "InProcessServer",
    "InProcessTestCase",
    "MCPError",
    "McpSession",
    "text_of",
]
