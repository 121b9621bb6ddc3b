"""Latency of `tools/call` through kubemcp, beside the same query made directly with the `kubernetes` client.

Run by hand (not in CI), from the repository root:

    python bench/latency.py                  # 300 calls per row at concurrency 1, 100 per worker at 8
    python bench/latency.py --calls 1000     # steadier percentiles
    python bench/latency.py --profile        # also profile the server (pyinstrument) under concurrency 1

It starts a fake cluster seeded with 100 pods in one namespace and one kubemcp server process
(`manage.py serve`: daphne, DEBUG off, a SECRET_KEY, a temporary SQLite database, migrations
applied), then measures, at concurrency 1 and 8 (one MCP client session per worker):
- `list` pods in that namespace through MCP, in both protocol eras (`context_get_current` when
  there is no `list` tool);
- `context_get_current` through MCP: a tool that sends nothing to Kubernetes, so the MCP layer alone;
- the same pod list with the `kubernetes` client: `CoreV1Api.list_namespaced_pod` (typed models)
  and a raw GET (`_preload_content=False`, body read), the floor any tool pays.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from kubernetes import client as k8s_client  # noqa: E402
from kubernetes import config as k8s_config  # noqa: E402
from mcp import Client  # noqa: E402

from fakekube import FakeCluster  # noqa: E402

PODS = 100
CONCURRENCY = (1, 8)


@dataclass
class Row:
    name: str
    concurrency: int
    latencies: list[float]
    seconds: float
    # CPU the kubemcp process spent per call (user + system): what the MCP layer costs on an idle machine.
    server_cpu_ms: float | None = None

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def kubemcp_server(
    kubeconfig: str, directory: str, *, profile: Path | None = None, launcher: list[str] | None = None
) -> Iterator[tuple[str, int]]:
    """`manage.py serve` in production settings; yields the MCP URL and the server's process id. `launcher` is a
    script (and its arguments) that Python runs in place of manage.py, with manage.py and its arguments after it."""
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "KUBE_CONTEXT")},
        "DJANGO_SETTINGS_MODULE": "mcpsite.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DATA_DIR": directory,
        "DATABASE_URL": f"sqlite:///{Path(directory) / 'bench.sqlite3'}",
        "KUBECONFIG": kubeconfig,
        "LOG_LEVEL": "WARNING",
        # The Kubernetes client's own rate limit (20/s, burst 30) would cap `list` at 20 calls a second and
        # measure the limiter; lift it to measure the layers.
        "QPS_LIMIT": "100000",
        "BURST_LIMIT": "100000",
    }
    command = [*(launcher or []), str(BASE_DIR / "manage.py"), "serve", "--http-addr", f"127.0.0.1:{port}"]
    if profile is not None:
        # Sample every thread: tools run in worker threads, the transport on the event loop.
        command = ["-m", "pyinstrument", "--renderer", "text", "--outfile", str(profile), *command]
    log = open(Path(directory) / "server.log", "w")  # noqa: SIM115 - closed below, after the process
    process = subprocess.Popen([sys.executable, *command], cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{(Path(directory) / 'server.log').read_text()}")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp", process.pid
    finally:
        process.send_signal(signal.SIGINT if profile is not None else signal.SIGTERM)
        process.wait(timeout=60)
        log.close()


async def measure_mcp(
    url: str, mode: str, tool: str, arguments: dict[str, Any], concurrency: int, calls: int
) -> tuple[list[float], float]:
    """`calls` tool calls per worker, timed once every worker has warmed up; each keeps one client session."""
    latencies: list[float] = []
    warmed = asyncio.Barrier(concurrency + 1)
    go = asyncio.Event()

    async def worker() -> None:
        async with Client(url, mode=mode) as session:
            for _ in range(5):  # warm the connection and the server's caches
                await session.call_tool(tool, arguments)
            await warmed.wait()
            await go.wait()
            for _ in range(calls):
                started = time.perf_counter()
                result = await session.call_tool(tool, arguments)
                latencies.append(time.perf_counter() - started)
                if result.is_error:
                    raise RuntimeError(f"{tool} failed: {result.content[0].text}")

    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    await warmed.wait()
    started = time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    return latencies, time.perf_counter() - started


def measure_direct(call: Callable[[], Any], concurrency: int, calls: int) -> tuple[list[float], float]:
    """`calls` calls per thread, each thread with its own client."""
    latencies: list[float] = []
    clients = [call() for _ in range(concurrency)]

    def worker(send: Callable[[], Any]) -> None:
        for _ in range(5):
            send()
        for _ in range(calls):
            started = time.perf_counter()
            send()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, clients))
    return latencies, time.perf_counter() - started


def typed_list(kubeconfig: str, namespace: str) -> Callable[[], Callable[[], Any]]:
    def build() -> Callable[[], Any]:
        api = k8s_client.CoreV1Api(k8s_config.new_client_from_config(config_file=kubeconfig))
        return lambda: api.list_namespaced_pod(namespace)

    return build


def raw_list(kubeconfig: str, namespace: str) -> Callable[[], Callable[[], Any]]:
    def build() -> Callable[[], Any]:
        api = k8s_client.CoreV1Api(k8s_config.new_client_from_config(config_file=kubeconfig))
        return lambda: api.list_namespaced_pod(namespace, _preload_content=False).data

    return build


async def tool_names(url: str) -> set[str]:
    async with Client(url, mode="legacy") as session:
        return {tool.name for tool in (await session.list_tools()).tools}


def run(coroutine: Awaitable[Any]) -> Any:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=300, help="calls per row at concurrency 1 (divided among workers)")
    parser.add_argument(
        "--tool",
        choices=("auto", "list", "context_get_current"),
        default="auto",
        help="the tool measured beside the direct client (auto: list when the server has it)",
    )
    parser.add_argument("--profile", action="store_true", help="profile the server with pyinstrument at concurrency 1")
    options = parser.parse_args()

    cluster = FakeCluster()
    cluster.seed(pods=PODS, namespaces=1)
    with tempfile.TemporaryDirectory(prefix="kubemcp-bench-") as directory, cluster.serve() as running:
        kubeconfig = str(running.write_kubeconfig(Path(directory) / "kubeconfig"))
        counts: dict[str, int] = {}
        for pod in cluster.list_objects("pods"):
            counts[pod["metadata"]["namespace"]] = counts.get(pod["metadata"]["namespace"], 0) + 1
        namespace, pods = max(counts.items(), key=lambda item: item[1])
        print(f"fake cluster: {pods} pods in namespace {namespace} ({sum(counts.values())} in all)")

        profile = Path(directory) / "profile.txt" if options.profile else None
        rows: list[Row] = []
        with kubemcp_server(kubeconfig, directory, profile=profile) as (url, pid):

            def mcp_row(
                name: str, mode: str, tool: str, arguments: dict[str, Any], concurrency: int, calls: int
            ) -> Row:
                before = cpu_seconds(pid)
                latencies, seconds = run(measure_mcp(url, mode, tool, arguments, concurrency, calls))
                # Warm-up calls (5 per worker) ran on the server too.
                per_call = (cpu_seconds(pid) - before) / (len(latencies) + 5 * concurrency)
                return Row(name, concurrency, latencies, seconds, per_call * 1000)

            has_list = options.tool == "list" or (options.tool == "auto" and "list" in run(tool_names(url)))
            measured = [("context_get_current (no API call)", "context_get_current", {})]
            if has_list:
                measured.insert(0, ("list pods", "list", {"resourceType": "pods", "namespace": namespace}))
            for concurrency in CONCURRENCY:
                calls = max(min(20, options.calls), options.calls // concurrency, concurrency)
                for label, tool, arguments in measured:
                    for mode, era in (("legacy", "2025-11-25"), ("auto", "2026-07-28")):
                        rows.append(mcp_row(f"MCP {label}, {era}", mode, tool, arguments, concurrency, calls))
                latencies, seconds = measure_direct(typed_list(kubeconfig, namespace), concurrency, calls)
                rows.append(Row("kubernetes list_namespaced_pod (typed)", concurrency, latencies, seconds))
                latencies, seconds = measure_direct(raw_list(kubeconfig, namespace), concurrency, calls)
                rows.append(Row("kubernetes GET pods (_preload_content=False)", concurrency, latencies, seconds))
        print_table(rows)
        if profile is not None and profile.exists():
            print("\nserver profile (pyinstrument):\n" + profile.read_text())


def print_table(rows: list[Row]) -> None:
    width = max(len(row.name) for row in rows)
    print(f"\n{'what':<{width}}  conc  {'p50 ms':>7}  {'p99 ms':>7}  {'req/s':>6}  server CPU ms/call")
    for row in rows:
        cpu = f"{row.server_cpu_ms:.2f}" if row.server_cpu_ms is not None else "-"
        print(
            f"{row.name:<{width}}  {row.concurrency:>4}  {row.p50:>7.2f}  {row.percentile(0.99):>7.2f}"
            f"  {row.rate:>6.0f}  {cpu:>18}"
        )


if __name__ == "__main__":
    main()
