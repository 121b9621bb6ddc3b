"""Load with a worker killed midway: N concurrent MCP clients for T seconds against two kubemcp workers on
PostgreSQL and Redis behind a round-robin proxy, mixing reads and dry-run mutations.

Run by hand (not in CI), from the repository root, with PostgreSQL (127.0.0.1:5432, user postgres, trust) and
Redis (127.0.0.1:6379) running:

    python bench/load.py                          # 50 clients for 60 s
    python bench/load.py --clients 20 --seconds 20

Worker B is killed with SIGKILL halfway through and restarted on the same port. It reports the requests served,
the error rate outside the kill window (kill to restart, plus two seconds), p50/p99 latency of reads, and an
integrity check: every call that returned success carries a unique tag (a label selector for reads, an object
name for dry-run creates), and each tag must be in an audit record of the shared database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mcpsite.settings")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from mcp import Client  # noqa: E402

from fakekube import FakeCluster  # noqa: E402
from tests.live import LiveServer  # noqa: E402
from tests.multiworker.backends import POSTGRES, create_database, redis_url, shared_environment  # noqa: E402
from tests.multiworker.proxy import RoundRobinProxy  # noqa: E402

KILL_MARGIN_SECONDS = 2.0


@dataclass
class Outcome:
    started: float
    seconds: float
    kind: str  # "read", "write", or "session" (a session that could not open)
    ok: bool
    tag: str
    error: str = ""


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    killed_at: float = 0.0
    restarted_at: float = 0.0


def configmap(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\ndata:\n  a: b\n"


async def client_loop(url: str, until: float, run: Run, rng: random.Random) -> None:
    while time.monotonic() < until:
        opened = time.monotonic()
        try:
            async with Client(url, mode="auto") as client:  # type: ignore[arg-type]
                while time.monotonic() < until:
                    tag = f"bench-{uuid.uuid4().hex[:12]}"
                    kind = "write" if rng.random() < 0.3 else "read"
                    if kind == "read":
                        tool, arguments = "list", {"resourceType": "pods", "labelSelector": f"bench={tag}"}
                    else:
                        tool, arguments = "create", {"manifest": configmap(tag)}
                    started = time.monotonic()
                    try:
                        result = await asyncio.wait_for(client.call_tool(tool, arguments), 30)
                    except Exception as error:  # noqa: BLE001 - every failure counts, then a new session
                        run.outcomes.append(Outcome(started, time.monotonic() - started, kind, False, tag, repr(error)))
                        break
                    text = "".join(getattr(block, "text", "") for block in result.content)
                    run.outcomes.append(
                        Outcome(started, time.monotonic() - started, kind, not result.is_error, tag, text[:200])
                    )
        except Exception as error:  # noqa: BLE001 - the session could not open (a worker just died): try again
            run.outcomes.append(Outcome(opened, time.monotonic() - opened, "session", False, "", repr(error)))
            await asyncio.sleep(0.05)


async def killer(worker: LiveServer, at: float, run: Run) -> None:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    assert worker.process is not None
    run.killed_at = time.monotonic()
    worker.process.send_signal(signal.SIGKILL)
    await asyncio.to_thread(worker.process.wait)
    await asyncio.to_thread(worker.start)
    run.restarted_at = time.monotonic()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    options = parser.parse_args()
    with contextlib.ExitStack() as stack:
        database = create_database(stack, "kubemcp_load")
        directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="kubemcp-load-"))
        cluster = FakeCluster()
        cluster.seed(pods=50, namespaces=2)
        running = stack.enter_context(cluster.serve())
        kubeconfig = str(Path(directory) / "kubeconfig")
        running.write_kubeconfig(kubeconfig)
        env = shared_environment(
            database,
            redis_url(),
            KUBECONFIG=kubeconfig,
            DATA_DIR=directory,
            DRY_RUN="true",
            NON_DESTRUCTIVE="true",
            POLICY_REFRESH_SECONDS="2",
        )
        workers = [LiveServer(env=env), LiveServer(env=env)]
        for worker in workers:
            stack.callback(worker.stop)
            worker.start()
        proxy = stack.enter_context(RoundRobinProxy([worker.port for worker in workers]))
        run = Run()

        async def go() -> None:
            began = time.monotonic()
            until = began + options.seconds
            rngs = [random.Random(number) for number in range(options.clients)]
            await asyncio.gather(
                killer(workers[1], began + options.seconds / 2, run),
                *(client_loop(f"{proxy.url}/mcp", until, run, rng) for rng in rngs),
            )

        wall = time.monotonic()
        asyncio.run(go())
        wall = time.monotonic() - wall
        for worker in workers:  # their idle database connections go with them, room for the check below
            worker.stop()
        with psycopg.connect(f"{POSTGRES} dbname={database}") as connection:
            audited = " ".join(row[0] for row in connection.execute("SELECT arguments::text FROM k8stools_auditrecord"))
        report(options, run, wall, set(re.findall(r"bench-[0-9a-f]{12}", audited)))


def report(options: argparse.Namespace, run: Run, wall: float, audited: set[str]) -> None:
    window_end = run.restarted_at + KILL_MARGIN_SECONDS
    outside = [o for o in run.outcomes if not (run.killed_at <= o.started + o.seconds and o.started <= window_end)]
    inside = [o for o in run.outcomes if o not in outside]
    reads = [o.seconds * 1000 for o in outside if o.kind == "read" and o.ok]
    succeeded = [o for o in run.outcomes if o.ok]
    missing = [o.tag for o in succeeded if o.tag not in audited]
    errors_outside = [o for o in outside if not o.ok]
    print(f"clients {options.clients}, {options.seconds:.0f} s (wall {wall:.1f} s); worker B killed at "
          f"{run.killed_at - (run.outcomes[0].started if run.outcomes else 0):.1f} s, back after "
          f"{run.restarted_at - run.killed_at:.1f} s")  # fmt: skip
    print(f"requests: {len(run.outcomes)} ({len(succeeded)} succeeded, {len(run.outcomes) / wall:.0f}/s)")
    print(f"outside the kill window: {len(outside)} requests, {len(errors_outside)} errors "
          f"({100 * len(errors_outside) / max(1, len(outside)):.2f}%)")  # fmt: skip
    print(f"inside the kill window: {len(inside)} requests, {sum(not o.ok for o in inside)} errors")
    print(f"reads outside the window: p50 {statistics.median(reads) if reads else float('nan'):.1f} ms, "
          f"p99 {percentile(reads, 0.99):.1f} ms ({len(reads)} reads)")  # fmt: skip
    print(
        f"integrity: {len(succeeded) - len(missing)}/{len(succeeded)} successful calls have their audit record"
        + (f"; missing e.g. {missing[:3]}" if missing else "")
    )
    for outcome in errors_outside[:5]:
        print(f"  error outside the window: {outcome.kind} {outcome.error}")


if __name__ == "__main__":
    main()
