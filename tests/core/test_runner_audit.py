"""The tool runner writes exactly one audit record (and one count in the metrics) per call, whichever way the call
ends, in the call's own time."""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
from django.test import TransactionTestCase

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
