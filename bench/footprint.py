"""Start-up time and memory of one kubemcp worker: compare.py's kubemcp rows alone, in about a minute.

Run by hand (not in CI), from the repository root:

    python bench/footprint.py                       # HTTP and stdio, 3 rounds of compare.py's workloads
    python bench/footprint.py --transport http --starts 5     # five starts, then one run
    python bench/footprint.py --steps               # RSS after each workload of the run, not only at the end

Same fake cluster (its own process, HTTPS, 100 pods plus 1,000 in `bulk`), same environment, same first call
(`get` one pod, retried from process start until it succeeds, on a database migrated beforehand) and the same
workloads in the same order as `compare.py`, so its figures stand beside that table's kubemcp rows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from compare import (
    BASE_DIR,
    CONCURRENCY,
    WORKLOADS,
    Cell,
    Server,
    cluster_process,
    compile_checkout,
    kubemcp_calls,
    kubemcp_env,
    rss_mb,
    run_batch,
    start_http,
    start_stdio,
)
from latency import free_port


async def start(server: Server, kubeconfig: str, directory: str, stack: contextlib.AsyncExitStack) -> None:
    env = kubemcp_env(kubeconfig, directory, server.transport)
    if server.transport == "http":
        port = free_port()
        command = [sys.executable, str(BASE_DIR / "manage.py"), "serve", "--http-addr", f"127.0.0.1:{port}"]
        await start_http(server, command, env, Path(directory) / "kubemcp-http.log", port, stack)
    else:
        args = [str(BASE_DIR / "manage.py"), "serve", "--transport", "stdio"]
        await start_stdio(server, sys.executable, args, env, "--transport stdio", stack)


async def run(transport: str, options: argparse.Namespace, kubeconfig: str, directory: str, names: dict) -> None:
    compile_checkout()
    subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "-v0"],
        cwd=BASE_DIR,
        env=kubemcp_env(kubeconfig, directory, transport),
        check=True,
    )
    starts = []
    for _ in range(options.starts - 1):
        async with contextlib.AsyncExitStack() as stack:
            server = Server("kubemcp", transport, "", kubemcp_calls(names))
            await start(server, kubeconfig, directory, stack)
            starts.append(server.start_seconds)
    async with contextlib.AsyncExitStack() as stack:
        server = Server("kubemcp", transport, "", kubemcp_calls(names))
        await start(server, kubeconfig, directory, stack)
        starts.append(server.start_seconds)
        idle = rss_mb(server.pid)
        for workload in WORKLOADS:
            await run_batch(server, workload.key, 1, 2, Cell())
        steps = []
        for _ in range(options.rounds):
            for workload in WORKLOADS:
                for concurrency in CONCURRENCY:
                    calls = options.calls if concurrency == 1 else options.calls * 2
                    cell = Cell()
                    await run_batch(server, workload.key, concurrency, calls, cell)
                    if cell.errors:
                        raise RuntimeError(f"{workload.key} at {concurrency}: {cell.first_error}")
                    steps.append(f"{workload.key}@{concurrency} {rss_mb(server.pid):.0f}")
        after = rss_mb(server.pid)
    shown = ", ".join(f"{seconds:.2f}" for seconds in starts)
    print(
        f"kubemcp {transport}: start to first call {shown} s (median {statistics.median(starts):.2f}); "
        f"RSS idle {idle:.0f} MB, after the run {after:.0f} MB",
        flush=True,
    )
    if options.steps:
        print("  RSS MB after each step: " + ", ".join(steps))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transport", choices=("http", "stdio", "both"), default="both")
    parser.add_argument("--starts", type=int, default=1, help="starts to time; the last one also runs the workloads")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=12, help="calls per round at concurrency 1; twice that at 8")
    parser.add_argument("--steps", action="store_true", help="also print RSS after each workload")
    options = parser.parse_args()
    transports = ("http", "stdio") if options.transport == "both" else (options.transport,)
    print("load average " + Path("/proc/loadavg").read_text().split()[0], flush=True)
    with (
        tempfile.TemporaryDirectory(prefix="kubemcp-footprint-") as directory,
        cluster_process(Path(directory) / "kubeconfig") as names,
    ):
        kubeconfig = str(Path(directory) / "kubeconfig")
        for transport in transports:
            asyncio.run(run(transport, options, kubeconfig, directory, names))
    print("load average " + Path("/proc/loadavg").read_text().split()[0], flush=True)


if __name__ == "__main__":
    main()
