"""Where a tool call's milliseconds go, stage by stage, in a real `manage.py serve` worker.

Run by hand (CI runs `--calls 4` as a smoke run, not timed), from the repository root:

    python bench/stages.py                          # context_get_current and list, 300 calls each, both eras
    python bench/stages.py --calls 1000 --tool get

It starts the fake cluster (100 pods) and one HTTP server as `bench/latency.py` does, but the server process is
started through this file, which wraps a few functions with a clock before `manage.py serve` runs (nothing in the
server's code knows about it). The client calls one at a time (concurrency 1), so that each stage's time belongs to
one call. Every row is the median over the calls, in milliseconds of wall-clock time:

| stage | from → to |
|---|---|
| outside the ASGI app | the client's time minus the worker's: the SDK client, the loopback, daphne/Twisted parsing the request and writing the answer |
| kubemcp's HTTP wrappers, in | `/mcp` app entered → the SDK's Starlette app entered (request id, host check, `RequestScreen`, bearer gate) |
| SDK, request to tool | Starlette app → `KubeMCPServer.call_tool` (the stateless transport, dispatcher, request validation) |
| thread hop in | the runner hands the call to a worker thread → the thread starts it |
| arguments | the JSON Schema check |
| policy | the policy read (a version token, the cached policy) |
| context | the caller's kubeconfig context (a version token, the cached choice) |
| the tool | the tool itself: its Kubernetes request(s), decoding and formatting |
| audit and metrics | the audit row (committed) and the counters |
| thread hop out | the thread returns → the runner resumes on the event loop |
| after the tool | log line and result object, back in `call_tool` |
| SDK and wrappers, out | `call_tool` returns → the last byte of the answer is handed to daphne (serialisation, JSON or SSE) |

The wrapping itself costs a few microseconds a stage. Figures are for this machine at that moment: compare rows
of one run, not runs.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import runpy
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
STAGES = (
    ("outside", "outside the ASGI app"),
    ("wrappers_in", "kubemcp's HTTP wrappers, in"),
    ("sdk_in", "SDK, request to tool"),
    ("hop_in", "thread hop in"),
    ("arguments", "arguments"),
    ("policy", "policy"),
    ("context", "context"),
    ("tool", "the tool"),
    ("record", "audit and metrics"),
    ("hop_out", "thread hop out"),
    ("after_tool", "after the tool"),
    ("sdk_out", "SDK and wrappers, out"),
)


# -- in the server process ------------------------------------------------------------------------------------------


class Marks:
    """The clock readings of the call in flight (one at a time), and the stage times of every call so far."""

    def __init__(self) -> None:
        self.now: dict[str, float] = {}
        self.calls: list[dict[str, float]] = []

    def mark(self, name: str) -> None:
        self.now[name] = time.perf_counter()

    def close(self) -> None:
        t = self.now
        if "tool_in" not in t or "http_out" not in t:
            self.now = {}  # not a tool call (initialize, tools/list, a notification)
            return
        spans = {
            "wrappers_in": ("http_in", "sdk_in"),
            "sdk_in": ("sdk_in", "tool_in"),
            "hop_in": ("hop_start", "thread_in"),
            "arguments": ("arguments_in", "arguments_out"),
            "policy": ("policy_in", "policy_out"),
            "context": ("context_in", "context_out"),
            "tool": ("context_out", "outcome_out"),
            "record": ("outcome_out", "thread_out"),
            "hop_out": ("thread_out", "hop_end"),
            "after_tool": ("hop_end", "tool_out"),
            "sdk_out": ("tool_out", "http_out"),
            "worker": ("http_in", "http_out"),
        }
        self.calls.append({name: (t[end] - t[start]) * 1000 for name, (start, end) in spans.items() if start in t})
        self.now = {}


def instrument(out: str) -> None:
    """Wrap the functions a tool call passes through, then write each call's stage times to `out` at exit."""
    import django

    django.setup()
    from k8stools import policy, server
    from k8stools.tools import runner
    from mcpsite import mcp_endpoint

    marks = Marks()
    atexit.register(lambda: Path(out).write_text(json.dumps(marks.calls)))

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            marks.mark(f"{name}_in")
            try:
                return fn(*args, **kwargs)
            finally:
                marks.mark(f"{name}_out")

        return wrapper

    runner.check_arguments = timed("arguments", runner.check_arguments)
    runner._resolve_context = timed("context", runner._resolve_context)
    policy.PolicySource.current = timed("policy", policy.PolicySource.current)  # type: ignore[method-assign]
    runner._outcome_of = timed("outcome", runner._outcome_of)

    releasing = runner.releasing_connections

    def releasing_timed(fn: Callable[..., Any]) -> Callable[..., Any]:
        marks.mark("hop_start")
        released = releasing(fn)

        def in_thread() -> Any:
            marks.mark("thread_in")
            try:
                return released()
            finally:
                marks.mark("thread_out")

        return in_thread

    runner.releasing_connections = releasing_timed

    def timed_coroutine(fn: Callable[..., Any], entered: str | None, left: str) -> Callable[..., Any]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            if entered is not None:
                marks.mark(entered)
            try:
                return await fn(*args, **kwargs)
            finally:
                marks.mark(left)

        return wrapper

    # The runner returns on the event loop once the tool's thread is done: the end of the hop back.
    runner.ToolRunner.run = timed_coroutine(runner.ToolRunner.run, None, "hop_end")  # type: ignore[method-assign]
    server.KubeMCPServer.call_tool = timed_coroutine(  # type: ignore[method-assign]
        server.KubeMCPServer.call_tool, "tool_in", "tool_out"
    )

    streamable_http_app = server.KubeMCPServer.streamable_http_app

    def sdk_app_timed(self: Any, *args: Any, **kwargs: Any) -> Any:
        app = streamable_http_app(self, *args, **kwargs)

        async def entered(scope: Any, receive: Any, send: Any) -> None:
            marks.mark("sdk_in")
            await app(scope, receive, send)

        return entered

    server.KubeMCPServer.streamable_http_app = sdk_app_timed  # type: ignore[method-assign]

    build = mcp_endpoint.build_mcp_application

    def build_timed(*args: Any, **kwargs: Any) -> Any:
        app = build(*args, **kwargs)

        async def served(scope: Any, receive: Any, send: Any) -> None:
            marks.now = {}
            marks.mark("http_in")

            async def sending(message: dict[str, Any]) -> None:
                await send(message)
                if message["type"] == "http.response.body" and not message.get("more_body", False):
                    marks.mark("http_out")
                    # Now, not when the app returns: the SDK's clean-up after the answer overlaps the next call.
                    marks.close()

            await app(scope, receive, sending)

        return served

    mcp_endpoint.build_mcp_application = build_timed


# -- in the benchmark process ---------------------------------------------------------------------------------------


def measure(options: argparse.Namespace) -> None:
    sys.path.insert(0, str(BASE_DIR))
    sys.path.insert(0, str(BASE_DIR / "bench"))
    from latency import PODS, cpu_seconds, kubemcp_server
    from mcp import Client

    from fakekube import FakeCluster

    cluster = FakeCluster()
    cluster.seed(pods=PODS, namespaces=1)
    namespace = "payments"
    pod = next(p["metadata"]["name"] for p in cluster.list_objects("pods") if p["metadata"]["namespace"] == namespace)
    arguments = {
        "context_get_current": {},
        "list": {"resourceType": "pods", "namespace": namespace},
        "get": {"resourceType": "pods", "namespace": namespace, "name": pod},
    }
    tools = ["context_get_current", "list"] if options.tool == "both" else [options.tool]

    async def client_calls(url: str, mode: str, tool: str) -> list[float]:
        async with Client(url, mode=mode) as session:
            for _ in range(5):
                await session.call_tool(tool, arguments[tool])
            latencies = []
            for _ in range(options.calls):
                started = time.perf_counter()
                await session.call_tool(tool, arguments[tool])
                latencies.append((time.perf_counter() - started) * 1000)
            return latencies

    with tempfile.TemporaryDirectory(prefix="kubemcp-stages-") as directory, cluster.serve() as running:
        kubeconfig = str(running.write_kubeconfig(Path(directory) / "kubeconfig"))
        columns: list[tuple[str, dict[str, float]]] = []
        for mode, era in (("legacy", "2025-11-25"), ("auto", "2026-07-28")):
            for tool in tools:
                out = Path(directory) / f"stages-{mode}-{tool}.json"
                launcher = [str(Path(__file__).resolve()), "--instrumented-server", str(out)]
                with kubemcp_server(kubeconfig, directory, launcher=launcher) as (url, pid):
                    before = cpu_seconds(pid)
                    latencies = asyncio.run(client_calls(url, mode, tool))
                    cpu = (cpu_seconds(pid) - before) / (options.calls + 5) * 1000
                calls = json.loads(out.read_text())[-options.calls :]
                median = {name: statistics.median(call.get(name, 0.0) for call in calls) for name, _ in STAGES}
                median["worker"] = statistics.median(call["worker"] for call in calls)
                median["client"] = statistics.median(latencies)
                median["outside"] = median["client"] - median["worker"]
                median["cpu"] = cpu
                columns.append((f"{tool}, {era}", median))

    width = max(len(label) for _, label in STAGES) + 2
    print(f"median ms per call at concurrency 1, {options.calls} calls per column ({os.cpu_count()} cores)\n")
    print("| stage | " + " | ".join(name for name, _ in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for key, label in STAGES:
        print(f"| {label:<{width}} | " + " | ".join(f"{column[key]:.2f}" for _, column in columns) + " |")
    for key, label in (("worker", "in the worker (ASGI app)"), ("client", "the client's time"), ("cpu", "server CPU")):
        print(f"| **{label}** | " + " | ".join(f"**{column[key]:.2f}**" for _, column in columns) + " |")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--instrumented-server":
        # Started by `measure` in place of manage.py: wrap, then run manage.py with the arguments that follow.
        out, manage_args = sys.argv[2], sys.argv[3:]
        sys.path.insert(0, str(BASE_DIR))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mcpsite.settings")
        instrument(out)
        sys.argv = manage_args
        runpy.run_path(manage_args[0], run_name="__main__")
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300, help="calls per column (default 300)")
    parser.add_argument("--tool", choices=("both", "context_get_current", "list", "get"), default="both")
    measure(parser.parse_args())


if __name__ == "__main__":
    main()
