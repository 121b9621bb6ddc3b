"""The tool runner writes exactly one audit record (and one count in the metrics) per call, whichever way the call
ends, in the call's own time."""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
from django.test import TransactionTestCase
from django.utils import timezone

from k8stools import audit
from k8stools.config import ServerConfig
from k8stools.context import ServerContext
from k8stools.identity import LOCAL
from k8stools.metrics import Metrics
from k8stools.models import AuditRecord
from k8stools.policy import Policy, PolicySource
from k8stools.tools.registry import ToolSpec
from k8stools.tools.runner import ToolRunner
from k8stools.tools.schemas import generate

released = threading.Event()
finished = threading.Event()


def slow_tool(call: Any, name: str = "x") -> str:
    """Waits until the test releases it."""
    released.wait(10)
    finished.set()
    return f"late answer for {name}"


def quick_tool(call: Any, name: str = "x") -> str:
    """Answers at once."""
    return f"answer for {name}"


def failing_tool(call: Any, name: str = "x") -> str:
    """Fails like a tool with a bug."""
    raise RuntimeError("bug")


def spec(fn: Any) -> ToolSpec:
    return ToolSpec(name=fn.__name__, fn=fn, operation="get", title="Test", read_only=True, takes_context=False)


class RunnerAuditTests(TransactionTestCase):
    def setUp(self) -> None:
        released.clear()
        finished.clear()
        self.addCleanup(released.set)
        config = ServerConfig(tool_timeout_seconds=0.5)
        self.context = context = ServerContext(config=config, metrics=Metrics())
        self.addCleanup(context.shutdown)
        policy = PolicySource(lambda: config, loader=lambda defaults: defaults)
        self.runner = ToolRunner(server=lambda: context, policy=policy)

    def run_tool(self, fn: Any, **arguments: Any) -> Any:
        tool = spec(fn)

        async def call() -> Any:
            return await self.runner.run(tool, arguments, caller=LOCAL, schema=generate(tool), request_id="r-1")

        return anyio.run(call)

    def test_a_call_that_answers_leaves_one_record_with_its_outcome(self) -> None:
        outcome = self.run_tool(quick_tool, name="web")
        self.assertEqual(outcome.text, "answer for web")
        [record] = AuditRecord.objects.all()
        self.assertEqual((record.tool, record.outcome, record.request_id), ("quick_tool", "ok", "r-1"))
        self.assertEqual(record.arguments, {"name": "web"})

    def test_a_failing_tool_and_a_refused_argument_each_leave_one_record(self) -> None:
        self.assertIn("internal error in tool failing_tool", self.run_tool(failing_tool).text)
        self.assertIn("unknown argument 'bogus'", self.run_tool(quick_tool, bogus=1).text)
        self.assertEqual(
            sorted(AuditRecord.objects.values_list("tool", "outcome")),
            [("failing_tool", "error"), ("quick_tool", "error")],
        )

    def test_a_timed_out_call_leaves_one_record_even_after_its_thread_finishes(self) -> None:
        outcome = self.run_tool(slow_tool, name="db")
        self.assertIn("exceeded the timeout", outcome.text)
        self.assertEqual(list(AuditRecord.objects.values_list("outcome", flat=True)), ["error"])
        released.set()
        self.assertTrue(finished.wait(10))
        time.sleep(0.3)  # the abandoned thread's chance to write a second record, which it must not take
        [record] = AuditRecord.objects.all()
        self.assertIn("exceeded the timeout", record.message)
        self.assertEqual(self.context.metrics.total("tool_calls_total"), 1)
        self.assertEqual(self.context.metrics.value("tool_calls_total", tool="slow_tool", outcome="error"), 1)

    def test_each_call_is_counted_once_in_the_metrics_with_its_outcome(self) -> None:
        self.run_tool(quick_tool)
        self.run_tool(failing_tool)
        self.run_tool(quick_tool)
        self.assertEqual(self.context.metrics.value("tool_calls_total", tool="quick_tool", outcome="ok"), 2)
        self.assertEqual(self.context.metrics.value("tool_calls_total", tool="failing_tool", outcome="error"), 1)
        self.assertEqual(self.context.metrics.total("tool_calls_total"), 3)

    def test_the_policy_is_read_at_every_call(self) -> None:
        reads: list[Policy] = []

        def loader(defaults: Policy) -> Policy:
            reads.append(defaults)
            return defaults

        self.runner.policy = PolicySource(lambda: ServerConfig(), loader=loader, version=lambda: None)
        for _ in range(3):
            self.run_tool(quick_tool)
        self.assertEqual(len(reads), 3)


class RecordCallTests(TransactionTestCase):
    def test_a_record_holds_every_value_it_was_given_in_one_committed_insert(self) -> None:
        before = timezone.now()
        with self.assertNumQueries(1):
            audit.record_call(
                user="alice",
                identity="system:serviceaccount:kubemcp",
                tool="patch",
                operation="patch",
                outcome="denied",
                duration_ms=1.23456,
                arguments={"name": "web", "patch": {"spec": {"replicas": 2}, "token": "s3cr3t"}},
                context="staging",
                namespace="shop",
                kind="deployments",
                name="web",
                dry_run=True,
                message="x" * 600,
                request_id="r-2",
            )
        record = AuditRecord.objects.get()
        self.assertGreaterEqual(record.created, before)
        self.assertEqual(
            (record.user, record.identity, record.tool, record.operation, record.outcome, record.duration_ms),
            ("alice", "system:serviceaccount:kubemcp", "patch", "patch", "denied", 1.235),
        )
        self.assertEqual(record.arguments, {"name": "web", "patch": {"spec": {"replicas": 2}, "token": audit.REDACTED}})
        self.assertEqual(
            (record.context, record.namespace, record.kind, record.name, record.dry_run, record.request_id),
            ("staging", "shop", "deployments", "web", True, "r-2"),
        )
        self.assertEqual(record.message, "x" * 500)
