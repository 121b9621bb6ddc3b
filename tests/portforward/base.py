"""Workflow-level tests: the fake cluster in this process, the workflows called directly, a cast of callers."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, ClassVar

from django.test import TransactionTestCase

from fakekube import FakeCluster
from k8stools.config import ServerConfig
from k8stools.context import ServerContext
from k8stools.guard import GuardedClient
from k8stools.identity import Caller
from k8stools.log import Logger
from k8stools.metrics import Metrics
from k8stools.models import PortForwardSession
from k8stools.policy import Policy
from k8stools.portforward.config import PortForwardConfig
from k8stools.portforward.lifecycle import shutdown_forwarder, sweep_once
from k8stools.portforward.workflows import port_forward_start
from tests.portforward.support import EchoServer, add_echo_pod

ALLOWED = Policy(non_destructive=True, allowed_operations=frozenset({"port-forward"}))


class WorkflowTestCase(TransactionTestCase):
    """alice and bob own sessions; carol is staff. `self.start(...)` starts one as alice by default."""

    config: ClassVar[PortForwardConfig] = PortForwardConfig(check_seconds=0.1)
    cluster: ClassVar[FakeCluster]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.cluster = FakeCluster()
        cls.cluster.runtime.poll_interval = 0.05
        cls.echo = EchoServer()
        add_echo_pod(cls.cluster, cls.echo, "web-1")
        cls.running = cls.cluster.serve()
        cls.directory = tempfile.TemporaryDirectory(prefix="kubemcp-pf-")
        cls.kubeconfig = Path(cls.directory.name) / "kubeconfig"
        cls.running.write_kubeconfig(cls.kubeconfig)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.running.stop()
        cls.echo.close()
        cls.directory.cleanup()
        super().tearDownClass()

    def setUp(self) -> None:
        super().setUp()
        self.alice = Caller(username="alice", user_id=1)
        self.bob = Caller(username="bob", user_id=2)
        self.carol = Caller(username="carol", user_id=3, is_staff=True)
        self.metrics = Metrics()
        config = ServerConfig(kubeconfig=str(self.kubeconfig), allowed_operations=frozenset({"port-forward"}))
        self.server = ServerContext(config=config, metrics=self.metrics, logger=Logger("test.portforward"))
        # The first use in a process sweeps sessions of vanished workers: done here, before a test arranges rows.
        sweep_once(self.config)
        # Each test gets a forwarder made with its class's configuration; its sessions end with the test.
        self.addCleanup(self.server.shutdown)
        self.addCleanup(shutdown_forwarder)

    def guarded(self, policy: Policy = ALLOWED) -> GuardedClient:
        return GuardedClient(self.server.client(), policy=policy, operation="port-forward")

    def start(
        self, caller: Caller | None = None, *, ports: list[str] | None = None, **options: Any
    ) -> PortForwardSession:
        arguments: dict[str, Any] = {"namespace": "default", "resource_type": "pod", "resource_name": "web-1"}
        arguments.update(options)
        return port_forward_start(
            server=self.server,
            client=self.guarded(),
            caller=caller or self.alice,
            ports=ports or ["8080"],
            config=self.config,
            **arguments,
        )
