"""One kubemcp setting against another: the same calls, in alternating rounds, on servers that differ by environment.

Run by hand, from the repository root:

    python bench/ab.py '{"default": {}, "streamed": {"MCP_SSE_AFTER_SECONDS": "0"}}'
    python bench/ab.py --tool list --rounds 8 --calls 300 '{"a": {}, "b": {"MCP_JSON_RESPONSE": "true"}}'

Each named configuration is one `manage.py serve` worker (as `bench/latency.py` starts it) with those variables
added to its environment, all against one fake cluster (100 pods). Round after round, each server gets `--calls`
calls from a new `mcp` SDK client (2025-11-25 handshake unless `--mode auto`), one at a time, so that a busy moment
of the machine falls on every configuration alike. Printed per configuration: the median over the rounds of the
round's p50 and of the server's CPU per call (from /proc), with the best round beside each. Compare configurations
of one run, not runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

from latency import PODS, cpu_seconds, kubemcp_server  # noqa: E402
from mcp import Client  # noqa: E402

from fakekube import FakeCluster  # noqa: E402

NAMESPACE = "payments"


async def one_round(url: str, mode: str, tool: str, arguments: dict[str, Any], calls: int) -> list[float]:
    async with Client(url, mode=mode) as session:
        for _ in range(5):  # warm the connection and the server's caches
            await session.call_tool(tool, arguments)
        latencies = []
        for _ in range(calls):
            started = time.perf_counter()
            await session.call_tool(tool, arguments)
            latencies.append((time.perf_counter() - started) * 1000)
        return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("configurations", help='JSON: {"name": {"VARIABLE": "value", ...}, ...}')
    parser.add_argument("--tool", choices=("context_get_current", "list", "get"), default="context_get_current")
    parser.add_argument("--mode", choices=("legacy", "auto"), default="legacy", help="legacy: 2025-11-25")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--calls", type=int, default=200, help="calls per round and configuration")
    options = parser.parse_args()
    try:
        configurations = json.loads(options.configurations)
        if not isinstance(configurations, dict) or not all(isinstance(env, dict) for env in configurations.values()):
            raise ValueError("an object of objects")
    except ValueError as error:
        parser.error(f"configurations: {error}")

    cluster = FakeCluster()
    cluster.seed(pods=PODS, namespaces=1)
    pod = next(p["metadata"]["name"] for p in cluster.list_objects("pods") if p["metadata"]["namespace"] == NAMESPACE)
    arguments = {
        "context_get_current": {},
        "list": {"resourceType": "pods", "namespace": NAMESPACE},
        "get": {"resourceType": "pods", "namespace": NAMESPACE, "name": pod},
    }[options.tool]

    with contextlib.ExitStack() as stack:
        running = stack.enter_context(cluster.serve())
        servers = {}
        for name, env in configurations.items():
            directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="kubemcp-ab-"))
            kubeconfig = str(running.write_kubeconfig(Path(directory) / "kubeconfig"))
            saved = dict(os.environ)
            os.environ.update({key: str(value) for key, value in env.items()})
            try:
                servers[name] = stack.enter_context(kubemcp_server(kubeconfig, directory))
            finally:
                os.environ.clear()
                os.environ.update(saved)
        cpu: dict[str, list[float]] = {name: [] for name in servers}
        p50: dict[str, list[float]] = {name: [] for name in servers}
        for _ in range(options.rounds):
            for name, (url, pid) in servers.items():
                before = cpu_seconds(pid)
                latencies = asyncio.run(one_round(url, options.mode, options.tool, arguments, options.calls))
                cpu[name].append((cpu_seconds(pid) - before) / (options.calls + 5) * 1000)
                p50[name].append(statistics.median(latencies))

    print(f"{options.tool}, {options.mode} client, {options.rounds} rounds of {options.calls} calls, concurrency 1\n")
    print("| configuration | p50 ms (median of rounds) | best round | server CPU ms/call | best round |")
    print("|---|---:|---:|---:|---:|")
    for name in servers:
        print(
            f"| {name} | {statistics.median(p50[name]):.2f} | {min(p50[name]):.2f} | "
            f"{statistics.median(cpu[name]):.2f} | {min(cpu[name]):.2f} |"
        )


if __name__ == "__main__":
    main()
