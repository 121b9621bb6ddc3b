"""kubemcp side by side with the Kubernetes MCP servers people use today, against one fake cluster.

Run by hand (not in CI), from the repository root:

    python bench/compare.py                     # 6-8 minutes on 2 cores; writes a section of bench/RESULTS.md
    python bench/compare.py --rounds 1 --calls 5 --no-write     # a quick look
    python bench/compare.py --profile           # also profile kubemcp (HTTP) with pyinstrument

Peers (installed on first use into bench/.cache/, never project dependencies):
- the Go server `kubernetes-mcp-server` (npm package `kubernetes-mcp-server-linux-amd64`, the binary ships
  inside), over streamable HTTP (`--port`), `--read-only` (kubemcp's default is non-destructive too);
- the Node server `mcp-server-kubernetes` (npm), over stdio; it shells out to `kubectl` for every call.

kubemcp runs twice: `manage.py serve` over HTTP (one daphne process, DEBUG=false, a SECRET_KEY, a temporary
SQLite database the command migrates) and `manage.py serve --transport stdio`. Both with `QPS_LIMIT` and
`BURST_LIMIT` lifted (at the default 20/s the client-side limiter, not the server, sets the pace) and
`MAX_RESPONSE_BYTES` raised so that 1,000 pods fit in one answer as they do for the peers.

Every server is driven by the same `mcp` SDK client (2025-11-25 protocol: the only one the peers speak), one
session per server; concurrency 8 is 8 requests in flight on that session. Workloads, servers and
concurrencies are interleaved, round after round, so that a busy moment of the machine hits all of them.
A peer that cannot be installed or started is reported as missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import json
import multiprocessing
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

from latency import free_port  # noqa: E402
from mcp import Client, StdioServerParameters  # noqa: E402

from fakekube import FakeCluster  # noqa: E402

CACHE = BASE_DIR / "bench" / ".cache"
GO_PACKAGE = "kubernetes-mcp-server-linux-amd64"
NODE_PACKAGE = "mcp-server-kubernetes"
GO_BINARY = CACHE / "go-peer" / "node_modules" / GO_PACKAGE / "bin" / GO_PACKAGE
NODE_ENTRY = CACHE / "node-peer" / "node_modules" / NODE_PACKAGE / "dist" / "index.js"
RESULTS = BASE_DIR / "bench" / "RESULTS.md"
SECTION_START = "<!-- compare.py: start -->"
SECTION_END = "<!-- compare.py: end -->"
TOKEN = "bench-token"
NAMESPACE = "payments"  # the seed puts 95 of 100 pods here
BULK_NAMESPACE = "bulk"  # 1,000 more pods, cloned from those
BULK_PODS = 1000
CONCURRENCY = (1, 8)
START_TIMEOUT = 60.0


# -- the cluster -------------------------------------------------------------------------------------


def seeded_cluster() -> tuple[FakeCluster, dict[str, str]]:
    """100 pods from the seed (95 in `payments`), 1,000 bare copies in `bulk`; names the workloads use."""
    cluster = FakeCluster()
    cluster.seed(pods=100, namespaces=1)
    cluster.require_auth({TOKEN: "bench"})  # so every client sends a bearer token, as against a real cluster
    pods = [pod for pod in cluster.list_objects("pods", NAMESPACE) if len(pod["spec"]["containers"]) == 1]
    for index in range(BULK_PODS):
        pod = copy.deepcopy(pods[index % len(pods)])
        meta = pod["metadata"]
        for key in ("uid", "resourceVersion", "ownerReferences"):
            meta.pop(key, None)
        meta["name"] = f"bulk-{index:04d}-{meta['name'][-5:]}"
        meta["namespace"] = BULK_NAMESPACE
        cluster.add_object(pod)
    deployments = cluster.list_objects("deployments", NAMESPACE, "apps")
    names = {"pod": pods[0]["metadata"]["name"], "deployment": deployments[0]["metadata"]["name"]}
    return cluster, names


def serve_cluster(kubeconfig: Path, pipe: Any) -> None:
    """In a child process: seed, serve over HTTPS, send the names, serve until told to stop."""
    cluster, names = seeded_cluster()
    with cluster.serve(tls=True) as running:
        running.write_kubeconfig(kubeconfig, token=TOKEN)
        pipe.send(names)
        pipe.recv()


@contextlib.contextmanager
def cluster_process(kubeconfig: Path) -> Iterator[dict[str, str]]:
    """The fake API server in its own process: in this one it would share the GIL with the measuring client."""
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    process = context.Process(target=serve_cluster, args=(kubeconfig, theirs), daemon=True)
    process.start()
    try:
        if not ours.poll(120):
            raise RuntimeError("the fake cluster did not start")
        yield ours.recv()
    finally:
        with contextlib.suppress(OSError):
            ours.send("stop")
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()
            process.join()


# -- workloads ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    key: str
    label: str


WORKLOADS = (
    Workload("list100", f"list pods, {NAMESPACE} (95 pods)"),
    Workload("list1000", f"list pods, {BULK_NAMESPACE} (1,000 pods)"),
    Workload("get", "get one pod"),
    Workload("describe", "describe a deployment"),
    Workload("logs", "100 log lines"),
    Workload("events", f"list events, {NAMESPACE}"),
    Workload("noapi", "a tool that sends nothing to Kubernetes"),
)


def kubemcp_calls(names: dict[str, str]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "list100": ("list", {"resourceType": "pods", "namespace": NAMESPACE}),
        "list1000": ("list", {"resourceType": "pods", "namespace": BULK_NAMESPACE, "limit": BULK_PODS}),
        "get": ("get", {"resourceType": "pods", "name": names["pod"], "namespace": NAMESPACE}),
        "describe": ("describe", {"resourceType": "deployments", "name": names["deployment"], "namespace": NAMESPACE}),
        "logs": ("logs", {"podName": names["pod"], "namespace": NAMESPACE, "tailLines": 100}),
        "events": ("events", {"namespace": NAMESPACE}),
        "noapi": ("context_get_current", {}),
    }


def go_calls(names: dict[str, str]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "list100": ("pods_list_in_namespace", {"namespace": NAMESPACE}),
        "list1000": ("pods_list_in_namespace", {"namespace": BULK_NAMESPACE}),
        "get": ("pods_get", {"name": names["pod"], "namespace": NAMESPACE}),
        # No describe tool: the closest is the object itself (YAML).
        "describe": (
            "resources_get",
            {"apiVersion": "apps/v1", "kind": "Deployment", "name": names["deployment"], "namespace": NAMESPACE},
        ),
        "logs": ("pods_log", {"name": names["pod"], "namespace": NAMESPACE, "tail": 100}),
        "events": ("events_list", {"namespace": NAMESPACE}),
        # Reads the kubeconfig only (this version has no contexts tool), like kubemcp's context_get_current.
        "noapi": ("configuration_view", {}),
    }


def node_calls(names: dict[str, str]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "list100": ("kubectl_get", {"resourceType": "pods", "namespace": NAMESPACE}),
        "list1000": ("kubectl_get", {"resourceType": "pods", "namespace": BULK_NAMESPACE}),
        "get": ("kubectl_get", {"resourceType": "pods", "name": names["pod"], "namespace": NAMESPACE}),
        "describe": (
            "kubectl_describe",
            {"resourceType": "deployment", "name": names["deployment"], "namespace": NAMESPACE},
        ),
        "logs": ("kubectl_logs", {"resourceType": "pod", "name": names["pod"], "namespace": NAMESPACE, "tail": 100}),
        "events": ("kubectl_get", {"resourceType": "events", "namespace": NAMESPACE}),
        # `kubectl config current-context`: a kubectl process, no API request.
        "noapi": ("kubectl_context", {"operation": "get"}),
    }


# -- servers ------------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    transport: str
    version: str
    calls: dict[str, tuple[str, dict[str, Any]]]
    missing: str = ""  # why it could not be measured
    pid: int | None = None
    session: Any = None
    start_seconds: float | None = None
    rss_idle_mb: float | None = None
    rss_after_mb: float | None = None
    cpu_seconds: float = 0.0
    extra_processes: str = ""


@dataclass
class Cell:
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    first_error: str = ""
    result_bytes: int | None = None
    sample: str = ""

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


def cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def child_pid(marker: str) -> int | None:
    """The process this one started (e.g. through the SDK's stdio client) whose command line contains `marker`."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == me and marker in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                return int(entry.name)
    return None


def npm_install(directory: Path, package: str, probe: Path) -> str:
    """Install `package` into bench/.cache/<directory> unless present; '' or why it is missing."""
    if probe.exists():
        return ""
    npm = shutil.which("npm")
    if npm is None:
        return "npm not found"
    done = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(directory), package],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0 or not probe.exists():
        return f"npm install {package} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}"
    return ""


def kubemcp_version() -> str:
    version = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]["version"]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR, capture_output=True, text=True)
    return f"{version} ({commit.stdout.strip()})" if commit.returncode == 0 else version


def compile_checkout() -> None:
    """Byte-compile the checkout's packages, as installing the wheel does (see mcpsite.bytecode)."""
    subprocess.run(
        [sys.executable, "-c", "from mcpsite.bytecode import compile_checkout; compile_checkout()"],
        check=True,
        cwd=BASE_DIR,
    )


def kubemcp_env(kubeconfig: str, directory: str, tag: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "KUBE_CONTEXT")},
        "DJANGO_SETTINGS_MODULE": "mcpsite.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DATA_DIR": directory,
        "DATABASE_URL": f"sqlite:///{Path(directory) / f'{tag}.sqlite3'}",
        "KUBECONFIG": kubeconfig,
        "LOG_LEVEL": "WARNING",
        # The client-side limiter (20/s, burst 30) would set the pace, not the server: lift it.
        "QPS_LIMIT": "100000",
        "BURST_LIMIT": "100000",
        # 1,000 pods as a table come to ~140 KB, over the default 128 KiB answer cap; the peers have no cap.
        "MAX_RESPONSE_BYTES": str(4 * 1024 * 1024),
    }


async def first_call(
    server: Server,
    connect: Callable[[], Any],
    started: float,
    stack: contextlib.AsyncExitStack,
    probe: tuple[str, dict[str, Any]],
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    """Connect and retry a cheap call until it succeeds; records start-to-first-call time and keeps the session."""
    deadline = started + START_TIMEOUT
    last = ""
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        inner = contextlib.AsyncExitStack()
        try:
            session = await inner.enter_async_context(connect())
            result = await session.call_tool(*probe)
            if result.is_error:
                raise RuntimeError(result.content[0].text[:200])
        except Exception as error:  # noqa: BLE001 - not up yet, or failing: retry until the deadline
            last = f"{type(error).__name__}: {error}"[:300]
            with contextlib.suppress(Exception):
                await inner.aclose()
            await asyncio.sleep(0.05)
            continue
        server.start_seconds = time.monotonic() - started
        server.session = session
        stack.push_async_callback(inner.aclose)
        return
    raise RuntimeError(f"no successful tools/call within {START_TIMEOUT:.0f}s: {last}")


async def start_http(
    server: Server,
    command: list[str],
    env: dict[str, str] | None,
    log: Path,
    port: int,
    stack: contextlib.AsyncExitStack,
    profile: bool = False,
) -> None:
    out = open(log, "w")  # noqa: SIM115 - closed on exit
    stack.callback(out.close)
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    server.pid = process.pid

    def stop() -> None:
        process.send_signal(signal.SIGINT if profile else signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    stack.callback(stop)
    url = f"http://127.0.0.1:{port}/mcp"
    # A failed MCP connection attempt takes ~0.2 s; wait for the port first so that it does not round the time up.
    while time.monotonic() < started + START_TIMEOUT and process.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            break
        await asyncio.sleep(0.01)
    try:
        await first_call(server, lambda: Client(url, mode="legacy"), started, stack, server.calls["get"], process)
    except RuntimeError as error:
        tail = log.read_text()[-600:]
        raise RuntimeError(f"{error}\n{tail}") from None


async def start_stdio(
    server: Server, command: str, args: list[str], env: dict[str, str], marker: str, stack: contextlib.AsyncExitStack
) -> None:
    params = StdioServerParameters(command=command, args=args, env=env, cwd=str(BASE_DIR))
    started = time.monotonic()
    await first_call(server, lambda: Client(params, mode="legacy"), started, stack, server.calls["get"])
    server.pid = child_pid(marker)


# -- measuring ----------------------------------------------------------------------------------------


def text_bytes(result: Any) -> int:
    return sum(len(getattr(item, "text", "").encode("utf-8")) for item in result.content)


async def run_batch(server: Server, workload: str, concurrency: int, calls: int, cell: Cell) -> None:
    tool, arguments = server.calls[workload]

    async def one() -> None:
        started = time.perf_counter()
        try:
            result = await server.session.call_tool(tool, arguments)
        except Exception as error:  # noqa: BLE001 - counted, the run goes on
            cell.errors += 1
            cell.first_error = cell.first_error or f"{type(error).__name__}: {error}"[:300]
            return
        elapsed = time.perf_counter() - started
        if result.is_error:
            cell.errors += 1
            cell.first_error = cell.first_error or result.content[0].text[:300]
            return
        cell.latencies.append(elapsed)
        cell.result_bytes = text_bytes(result)
        if not cell.sample:
            cell.sample = "".join(getattr(item, "text", "") for item in result.content)[:2000]

    async def worker(count: int) -> None:
        for _ in range(count):
            await one()

    per_worker = max(1, calls // concurrency)
    cpu_before = cpu_seconds(server.pid)
    started = time.perf_counter()
    await asyncio.gather(*(worker(per_worker) for _ in range(concurrency)))
    cell.seconds += time.perf_counter() - started
    server.cpu_seconds += cpu_seconds(server.pid) - cpu_before


async def measure(
    options: argparse.Namespace, kubeconfig: str, directory: str, names: dict[str, str]
) -> dict[str, Any]:
    versions = {"kubemcp": kubemcp_version()}
    servers: list[Server] = []
    go_missing = npm_install(CACHE / "go-peer", GO_PACKAGE, GO_BINARY)
    go_version = ""
    if not go_missing:
        done = subprocess.run([str(GO_BINARY), "--version"], capture_output=True, text=True, timeout=30)
        go_version = done.stdout.strip() or done.stderr.strip()
    node_missing = npm_install(CACHE / "node-peer", NODE_PACKAGE, NODE_ENTRY)
    if not shutil.which("kubectl"):
        node_missing = node_missing or "kubectl not found (the Node server shells out to it)"
    node_version = ""
    if not node_missing:
        node_version = json.loads((NODE_ENTRY.parent.parent / "package.json").read_text())["version"]

    servers = [
        Server("kubemcp", "HTTP", versions["kubemcp"], kubemcp_calls(names)),
        Server("kubernetes-mcp-server (Go)", "HTTP", go_version, go_calls(names), go_missing),
        Server("mcp-server-kubernetes (Node)", "stdio", node_version, node_calls(names), node_missing),
        Server("kubemcp", "stdio", versions["kubemcp"], kubemcp_calls(names)),
    ]
    cells = {(s.name, s.transport, w.key, c): Cell() for s in servers for w in WORKLOADS for c in CONCURRENCY}
    profile_path = Path(directory) / "profile.txt"

    # Migrations applied beforehand, so that start-up is measured as on every start but the first; the first
    # start (fresh database) also applies them, timed here on its own.
    compile_checkout()
    migrate_seconds = {}
    for tag in ("http", "stdio"):
        started = time.monotonic()
        subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "-v0"],
            cwd=BASE_DIR,
            env=kubemcp_env(kubeconfig, directory, tag),
            check=True,
        )
        migrate_seconds[tag] = time.monotonic() - started

    async with contextlib.AsyncExitStack() as stack:
        # Started one after another, so that each start-up has the machine to itself.
        for server in servers:
            if server.missing:
                continue
            try:
                if server.name == "kubemcp" and server.transport == "HTTP":
                    port = free_port()
                    command = [sys.executable, str(BASE_DIR / "manage.py"), "serve", "--http-addr", f"127.0.0.1:{port}"]
                    if options.profile:
                        command[1:1] = ["-m", "pyinstrument", "--renderer", "text", "--outfile", str(profile_path)]
                    await start_http(
                        server,
                        command,
                        kubemcp_env(kubeconfig, directory, "http"),
                        Path(directory) / "kubemcp-http.log",
                        port,
                        stack,
                        profile=options.profile,
                    )
                elif server.transport == "HTTP":
                    port = free_port()
                    command = [
                        str(GO_BINARY),
                        "--port",
                        str(port),
                        "--bind-address",
                        "127.0.0.1",
                        "--kubeconfig",
                        kubeconfig,
                        "--read-only",
                    ]
                    await start_http(server, command, None, Path(directory) / "go.log", port, stack)
                elif server.name == "kubemcp":
                    await start_stdio(
                        server,
                        sys.executable,
                        [str(BASE_DIR / "manage.py"), "serve", "--transport", "stdio"],
                        kubemcp_env(kubeconfig, directory, "stdio"),
                        "--transport stdio",
                        stack,
                    )
                else:
                    # Its default 1 MiB buffer for kubectl's output fails (ENOBUFS) on 1,000 pods as JSON.
                    env = {**os.environ, "KUBECONFIG": kubeconfig, "SPAWN_MAX_BUFFER": str(64 * 1024 * 1024)}
                    await start_stdio(
                        server, shutil.which("node") or "node", [str(NODE_ENTRY)], env, str(NODE_ENTRY), stack
                    )
            except Exception as error:  # noqa: BLE001 - reported as missing
                server.missing = f"did not start: {error}".strip()[:800]
                continue
            server.rss_idle_mb = rss_mb(server.pid)
            print(
                f"started {server.name} over {server.transport}: first tools/call after {server.start_seconds:.2f} s, "
                f"RSS {server.rss_idle_mb or 0:.0f} MB",
                flush=True,
            )

        running = [s for s in servers if not s.missing]
        for server in servers:
            if server.missing:
                print(f"MISSING {server.name} ({server.transport}): {server.missing}", flush=True)
        # Warm-up: every workload twice on every server.
        for server in running:
            for workload in WORKLOADS:
                await run_batch(server, workload.key, 1, 2, Cell())
        for server in running:
            server.cpu_seconds = 0.0
        for round_ in range(options.rounds):
            started = time.monotonic()
            for index, workload in enumerate(WORKLOADS):
                for concurrency in CONCURRENCY:
                    calls = options.calls if concurrency == 1 else options.calls * 2
                    shift = (round_ + index) % len(running)  # rotate who goes first
                    for server in running[shift:] + running[:shift]:
                        key = (server.name, server.transport, workload.key, concurrency)
                        await run_batch(server, workload.key, concurrency, calls, cells[key])
            print(f"round {round_ + 1}/{options.rounds}: {time.monotonic() - started:.0f} s", flush=True)
        for server in running:
            server.rss_after_mb = rss_mb(server.pid)
            # Node runs one kubectl per call: its memory is not in the node process.
            if "Node" in server.name:
                server.extra_processes = "plus a kubectl process (~40-60 MB) per call in flight"
    return {
        "servers": servers,
        "cells": cells,
        "profile": profile_path if options.profile else None,
        "migrate_seconds": migrate_seconds,
    }


# -- reporting ----------------------------------------------------------------------------------------


def machine() -> str:
    memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    gib = int(memory.split()[1]) / 1024 / 1024
    model = ""
    with contextlib.suppress(OSError, StopIteration):
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return f"{os.cpu_count()} cores{f' ({model})' if model else ''}, {gib:.1f} GiB memory, {platform.system()} {platform.release()}"


def ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None or theirs == 0:
        return "-"
    return f"{ours / theirs:.2f}×"


def report(outcome: dict[str, Any], load: tuple[str, str], options: argparse.Namespace) -> str:
    servers: list[Server] = outcome["servers"]
    cells: dict[tuple[str, str, str, int], Cell] = outcome["cells"]
    ours_http = next(s for s in servers if s.name == "kubemcp" and s.transport == "HTTP")
    ours_stdio = next(s for s in servers if s.name == "kubemcp" and s.transport == "stdio")
    go = next(s for s in servers if "Go" in s.name)
    node = next(s for s in servers if "Node" in s.name)

    def cell(server: Server, workload: str, concurrency: int) -> Cell | None:
        found = cells[(server.name, server.transport, workload, concurrency)]
        return found if found.latencies else None

    def peer_of(server: Server) -> Server | None:
        # Same transport: kubemcp HTTP against Go, kubemcp stdio against Node.
        if server is ours_http:
            return go
        if server is ours_stdio:
            return node
        return None

    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; load average {load[0]} before, {load[1]} after. "
        f"`--rounds {options.rounds} --calls {options.calls}`: per round and server, {options.calls} calls at "
        f"concurrency 1 and {options.calls * 2} at 8 for each workload; p99 over so few calls is close to the maximum.",
        "",
        "| server | transport | version | start → first `tools/call` | RSS idle | RSS after the run | CPU s in the run |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for server in servers:
        if server.missing:
            lines.append(
                f"| {server.name} | {server.transport} | {server.version or '-'} | **missing**: "
                f"{server.missing.splitlines()[0]} | | | |"
            )
            continue
        lines.append(
            f"| {server.name} | {server.transport} | {server.version} | {server.start_seconds:.2f} s | "
            f"{server.rss_idle_mb or 0:.0f} MB | {server.rss_after_mb or 0:.0f} MB"
            f"{' ' + server.extra_processes if server.extra_processes else ''} | {server.cpu_seconds:.1f} |"
        )
    migrate = outcome["migrate_seconds"]
    lines += [
        "",
        "kubemcp's start is measured with its SQLite database already migrated (every start but the first); "
        f"`manage.py migrate` on a fresh database took {migrate['http']:.2f} s and {migrate['stdio']:.2f} s "
        "(a whole process: Django set-up plus the migrations), which a first start adds.",
    ]
    lines += [
        "",
        "Ratios are kubemcp ÷ the peer on the same transport (HTTP: the Go server; stdio: the Node server); "
        "below 1 is better for kubemcp. Bytes are the text of the tool result for the same query.",
        "",
        "| workload | conc | server | transport | p50 ms | p99 ms | req/s | result bytes | p50 ratio | req/s ratio | bytes ratio | errors |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for workload in WORKLOADS:
        for concurrency in CONCURRENCY:
            for server in servers:
                if server.missing:
                    continue
                found = cells[(server.name, server.transport, workload.key, concurrency)]
                tool = server.calls[workload.key][0]
                if not found.latencies:
                    lines.append(
                        f"| {workload.label} | {concurrency} | {server.name} `{tool}` | {server.transport} "
                        f"| - | - | - | - | | | | {found.errors}: {found.first_error[:120]} |"
                    )
                    continue
                peer = peer_of(server)
                theirs = cell(peer, workload.key, concurrency) if peer is not None and not peer.missing else None
                ratios = ["", "", ""]
                if theirs is not None:
                    ratios = [
                        ratio(found.p50, theirs.p50),
                        ratio(found.rate, theirs.rate),
                        ratio(found.result_bytes, theirs.result_bytes),
                    ]
                errors = str(found.errors) if not found.errors else f"{found.errors}: {found.first_error[:80]}"
                lines.append(
                    f"| {workload.label} | {concurrency} | {server.name} `{tool}` | {server.transport} | "
                    f"{found.p50:.1f} | {found.percentile(0.99):.1f} | {found.rate:.1f} | {found.result_bytes} | "
                    f"{' | '.join(ratios)} | {errors} |"
                )
    # Cross-transport: kubemcp over HTTP against the Node server (its only transport is stdio).
    lines += [
        "",
        "kubemcp over HTTP ÷ the Node server over stdio, p50 at concurrency 1: "
        + ", ".join(
            f"{w.key} {ratio(getattr(cell(ours_http, w.key, 1), 'p50', None), getattr(cell(node, w.key, 1), 'p50', None))}"
            for w in WORKLOADS
        )
        + ".",
    ]
    lines += ["", *targets(ours_http, ours_stdio, go, node, cell)]
    lines += ["", "What the list bytes buy (first lines of each server's answer to list pods, 95 pods):", ""]
    for server in servers:
        found = cell(server, "list100", 1) if not server.missing else None
        if found is not None and server.transport == ("stdio" if "Node" in server.name else "HTTP"):
            head = "\n".join(line[:160] for line in found.sample.splitlines()[:3])
            lines += [f"{server.name}:", "```", head, "```"]
    return "\n".join(lines)


def targets(
    ours_http: Server, ours_stdio: Server, go: Server, node: Server, cell: Callable[[Server, str, int], Cell | None]
) -> list[str]:
    def check(ok: bool | None) -> str:
        return "n/a" if ok is None else ("met" if ok else "**missed**")

    out = ["Targets:", ""]
    ours = cell(ours_http, "list100", 1)
    theirs_go = cell(go, "list100", 1) if not go.missing else None
    ours_s = cell(ours_stdio, "list100", 1)
    theirs_node = cell(node, "list100", 1) if not node.missing else None
    if ours and theirs_go:
        out.append(
            f"- list pods (95) at concurrency 1, p50 ≤ 1.5× the Go server's: {ours.p50:.1f} ms vs "
            f"{theirs_go.p50:.1f} ms = {ours.p50 / theirs_go.p50:.2f}× — {check(ours.p50 <= 1.5 * theirs_go.p50)}"
        )
    if ours_s and theirs_node:
        out.append(
            f"- list pods (95) at concurrency 1, p50 ≤ 0.5× the Node server's (both stdio): {ours_s.p50:.1f} ms "
            f"vs {theirs_node.p50:.1f} ms = {ours_s.p50 / theirs_node.p50:.2f}× — "
            f"{check(ours_s.p50 <= 0.5 * theirs_node.p50)}"
        )
    if ours and theirs_go and ours.result_bytes and theirs_go.result_bytes:
        out.append(
            f"- bytes of the list result ≤ the Go server's default output: {ours.result_bytes} vs "
            f"{theirs_go.result_bytes} — {check(ours.result_bytes <= theirs_go.result_bytes)}"
        )
    # Issue #21: the MCP layer at the Go server's speed, a sub-second start and a smaller worker.
    for key, label, bound in (
        ("get", "get one pod", 1.0),
        ("noapi", "a tool that sends nothing to Kubernetes", 1.0),
        ("list100", "list pods (95)", 0.8),
    ):
        mine = cell(ours_http, key, 1)
        peer = cell(go, key, 1) if not go.missing else None
        if mine and peer:
            out.append(
                f"- {label} at concurrency 1, p50 ≤ {bound:.1f}× the Go server's: {mine.p50:.1f} ms vs "
                f"{peer.p50:.1f} ms = {mine.p50 / peer.p50:.2f}× — {check(mine.p50 <= bound * peer.p50)}"
            )
    mine, peer = cell(ours_http, "list1000", 8), (cell(go, "list1000", 8) if not go.missing else None)
    if mine and peer:
        out.append(
            f"- list pods (1,000) at concurrency 8, p50 ≤ the Go server's: {mine.p50:.1f} ms vs {peer.p50:.1f} ms "
            f"= {mine.p50 / peer.p50:.2f}× — {check(mine.p50 <= peer.p50)}"
        )
    for server in (ours_http, ours_stdio):
        if server.rss_after_mb is not None:
            out.append(
                f"- RSS of one kubemcp worker ({server.transport}) after the run < 100 MB: "
                f"{server.rss_after_mb:.0f} MB — {check(server.rss_after_mb < 100)}"
            )
    # The first `tools/call` comes after `tools/list` would: over stdio it bounds start to `tools/list` from above.
    for server, bound in ((ours_http, 1.5), (ours_stdio, 1.0)):
        if server.start_seconds is not None:
            out.append(
                f"- start to first `tools/call` ({server.transport}) < {bound:.1f} s: {server.start_seconds:.2f} s — "
                f"{check(server.start_seconds < bound)}"
            )
    return out


def write_section(body: str) -> None:
    section = f"{SECTION_START}\n## kubemcp beside other Kubernetes MCP servers (`bench/compare.py`)\n\n{body}\n{SECTION_END}\n"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    if SECTION_START in text and SECTION_END in text:
        before, rest = text.split(SECTION_START, 1)
        after = rest.split(SECTION_END, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--calls", type=int, default=12, help="calls per round at concurrency 1; twice that at 8")
    parser.add_argument("--profile", action="store_true", help="profile kubemcp over HTTP with pyinstrument")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    options = parser.parse_args()

    load_before = Path("/proc/loadavg").read_text().split()[0]
    with (
        tempfile.TemporaryDirectory(prefix="kubemcp-compare-") as directory,
        cluster_process(Path(directory) / "kubeconfig") as names,
    ):
        kubeconfig = str(Path(directory) / "kubeconfig")
        outcome = asyncio.run(measure(options, kubeconfig, directory, names))
        load_after = Path("/proc/loadavg").read_text().split()[0]
        body = report(outcome, (load_before, load_after), options)
        print("\n" + body)
        if not options.no_write:
            write_section(body)
            print(f"\nwritten to {RESULTS.relative_to(BASE_DIR)}")
        profile = outcome["profile"]
        if profile is not None:
            # The server writes its profile when it stops (the stack above has closed by now).
            for _ in range(50):
                if profile.exists():
                    break
                time.sleep(0.1)
            if profile.exists():
                print("\nkubemcp (HTTP) profile, pyinstrument:\n" + profile.read_text())


if __name__ == "__main__":
    main()
