from __future__ import annotations

import dataclasses
import unittest

from k8stools.config import ServerConfig
from k8stools.context import ServerContext, ServerShutDown
from k8stools.kube import KubeClientFactory
from k8stools.log import Logger
from k8stools.metrics import Metrics


class ServerConfigTests(unittest.TestCase):
    def test_it_cannot_be_changed_in_place(self) -> None:
        config = ServerConfig()
        with self.assertRaises(dataclasses.FrozenInstanceError):
            config.dry_run = True  # type: ignore[misc]

    def test_replace_returns_a_new_value_and_keeps_the_original(self) -> None:
        config = ServerConfig()
        changed = config.replace(dry_run=True, restricted_namespaces=["kube-system"])
        self.assertFalse(config.dry_run)
        self.assertTrue(changed.dry_run)
        self.assertEqual(changed.restricted_namespaces, frozenset({"kube-system"}))

    def test_it_refuses_unknown_operations(self) -> None:
        with self.assertRaisesRegex(ValueError, "unknown operation"):
            ServerConfig(allowed_operations={"destroy"})

    def test_it_is_built_from_settings(self) -> None:
        class Settings:
            SERVER_NAME, SERVER_VERSION, DEFAULT_NAMESPACE = "k", "9", "apps"
            KUBECONFIG, KUBE_CONTEXT, IN_CLUSTER = "/k", "c", False
            NON_DESTRUCTIVE, DRY_RUN, ALLOWED_OPERATIONS, RESTRICTED_NAMESPACES = False, True, ["scale"], ["x"]
            QPS_LIMIT, BURST_LIMIT, TOOL_TIMEOUT_SECONDS, MAX_RESPONSE_BYTES = 5.0, 7, 9.0, 2048
            LOG_LEVEL, LOG_FORMAT, READ_ONLY = "DEBUG", "json", True

        config = ServerConfig.from_settings(Settings)
        self.assertEqual(
            (config.server_name, config.default_namespace, config.qps, config.burst), ("k", "apps", 5.0, 7)
        )
        self.assertEqual(config.allowed_operations, frozenset({"scale"}))
        self.assertTrue(config.read_only)


class ServerContextTests(unittest.TestCase):
    def test_parts_passed_by_keyword_are_used(self) -> None:
        factory = KubeClientFactory(kubeconfig="/nonexistent")
        logger = Logger("test").with_fields(component="x")
        metrics = Metrics()
        context = ServerContext(config=ServerConfig(), client_factory=factory, logger=logger, metrics=metrics)
        self.assertIs(context.client_factory, factory)
        self.assertIs(context.logger, logger)
        self.assertIs(context.metrics, metrics)

    def test_it_builds_a_client_factory_from_its_config(self) -> None:
        context = ServerContext(config=ServerConfig(kubeconfig="/k", kube_context="c", qps=3.0, burst=4))
        factory = context.client_factory
        self.assertEqual((factory.kubeconfig, factory.default_context, factory.qps, factory.burst), ("/k", "c", 3.0, 4))

    def test_with_config_swaps_the_whole_value(self) -> None:
        context = ServerContext(config=ServerConfig())
        before = context.config
        context.with_config(before.replace(dry_run=True))
        self.assertTrue(context.config.dry_run)
        self.assertFalse(before.dry_run)

    def test_shutdown_runs_hooks_once_in_reverse_order_and_refuses_further_use(self) -> None:
        context = ServerContext(config=ServerConfig())
        calls: list[str] = []
        context.on_shutdown(lambda: calls.append("first"))
        context.on_shutdown(lambda: calls.append("second"))
        self.assertFalse(context.is_shutdown)
        context.shutdown()
        context.shutdown()
        self.assertEqual(calls, ["second", "first"])
        self.assertTrue(context.is_shutdown)
        with self.assertRaisesRegex(ServerShutDown, "shut down"):
            context.client()

    def test_a_failing_hook_does_not_stop_the_others(self) -> None:
        context = ServerContext(config=ServerConfig(), logger=Logger("test.shutdown"))
        calls: list[str] = []

        def broken() -> None:
            raise RuntimeError("boom")

        context.on_shutdown(lambda: calls.append("ran"))
        context.on_shutdown(broken)
        with self.assertLogs("test.shutdown", "ERROR"):
            context.shutdown()
        self.assertEqual(calls, ["ran"])
