"""Load with a worker killed midway: N concurrent MCP clients for T seconds against two kubemcp workers on
PostgreSQL and Redis behind a round-robin proxy, with OAuth on.

Run by hand (not in CI), from the repository root, with PostgreSQL (127.0.0.1:5432, user postgres, trust),
Redis (127.0.0.1:6379) and Node.js (for the upstream OIDC provider of the OAuth tests) on the machine:

    python bench/load.py                          # 50 clients for 60 s, each calling again at once
    python bench/load.py --think 1                # each client waits about a second between calls
    python bench/load.py --clients 20 --seconds 20

Each client logs in through the real authorization flow (its own user, its own registered client), then loops
over a mix of reads (`list` with a label selector), dry-run creates, OAuth refreshes (the refresh token grant,
which rotates both tokens) and port-forward cycles (start, one round trip through the local port, stop; the
stop may land on the other worker). Worker B is killed with SIGKILL halfway through and restarted on the same
port. A client whose credentials were lost in the kill (a refresh whose answer never arrived) logs in again.

It reports the requests served, the error rate outside the kill window (kill to restart, plus two seconds),
p50/p99 latency of reads, and an integrity check of the shared database afterwards:
- every call that returned success carries a unique tag (a label selector for reads, an object name for dry-run
  creates), and each tag must be in an audit record;
- every token row is whole: each access token belongs to a registered client and to a user (but a client's own
  RFC 7592 registration token, which has none), each refresh token is revoked or tied to an existing access
  token, each client's last access token is accepted at /mcp, and every sealed upstream credential opens with the
  encryption key;
- every port-forward session is either active on a live worker (and its local port answers) or ended with a
  reason, and none that a client stopped is still active.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import random
import re
import secrets
import signal
import socket
import statistics
import sys
import time
import uuid
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mcpsite.settings")

import django  # noqa: E402

django.setup()

import httpx2  # noqa: E402
from mcp import Client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from oauth2_provider.settings import oauth2_settings  # noqa: E402

from fakekube import FakeCluster  # noqa: E402
from oauthgw.crypto import DecryptionError, TokenCipher, parse_key  # noqa: E402
from tests.live import LiveServer, listening_socket, serve_cluster  # noqa: E402
from tests.multiworker.backends import create_database, redis_url, shared_environment, sql  # noqa: E402
from tests.multiworker.proxy import RoundRobinProxy  # noqa: E402
from tests.oauth.base import UPSTREAM_CLIENT_ID, log_in, new_encryption_key  # noqa: E402
from tests.oauth.provider import OIDCProvider  # noqa: E402
from tests.portforward.support import EchoServer, add_echo_pod, answer, local_ports_of, round_trip  # noqa: E402

KILL_MARGIN_SECONDS = 2.0
CALL_TIMEOUT_SECONDS = 30.0
ECHO_PODS = 5
# The share of each kind of step; the rest are reads.
REFRESH_SHARE, PORT_FORWARD_SHARE, WRITE_SHARE = 0.05, 0.03, 0.25


@dataclass
class Outcome:
    started: float
    seconds: float
    kind: str  # "read", "write", "refresh", "port-forward", "login", or "session" (a session that could not open)
    ok: bool
    tag: str
    error: str = ""


@dataclass
class Account:
    """One client's OAuth identity: its registered client and its current token pair."""

    login: str
    client: dict[str, Any]
    access: str
    refresh: str
    stopped_sessions: list[str] = field(default_factory=list)
    logged_out: bool = False

    def take(self, tokens: dict[str, Any]) -> None:
        self.access, self.refresh = tokens["access_token"], tokens["refresh_token"]
        self.logged_out = False


class Bearer(httpx2.Auth):
    """Sends the account's current access token, so a refresh takes effect on the next request."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.account.access}"
        yield request


class StepFailed(Exception):
    """A step failed and its outcome is recorded; the client starts a new session."""


class CredentialsLost(StepFailed):
    """A refresh failed: the refresh token may be spent, so the client logs in again."""


@dataclass
class Run:
    base_url: str
    registration_token: str
    outcomes: list[Outcome] = field(default_factory=list)
    killed_at: float = 0.0
    restarted_at: float = 0.0

    def record(self, started: float, kind: str, ok: bool, tag: str = "", error: str = "") -> None:
        self.outcomes.append(Outcome(started, time.monotonic() - started, kind, ok, tag, error[:300]))


def configmap(name: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\ndata:\n  a: b\n"


def text_of(result: Any) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


async def refresh(run: Run, account: Account, http: httpx2.AsyncClient) -> None:
    started = time.monotonic()
    client = account.client
    try:
        response = await http.post(
            f"{run.base_url}/o/token/",
            data={
                "grant_type": "refresh_token",
                "refresh_token": account.refresh,
                "client_id": client["client_id"],
                "client_secret": client["client_secret"],
            },
        )
    except httpx2.HTTPError as error:
        run.record(started, "refresh", False, account.login, repr(error))
        raise CredentialsLost from error
    if response.status_code != 200:
        run.record(started, "refresh", False, account.login, f"HTTP {response.status_code}: {response.text}")
        raise CredentialsLost
    account.take(response.json())
    run.record(started, "refresh", True, account.login)


async def port_forward_cycle(run: Run, account: Account, client: Client, rng: random.Random) -> None:
    """Start a session, send one message through it, stop it: one outcome for the three."""
    started = time.monotonic()
    try:
        await _port_forward_cycle(run, account, client, rng, started)
    except Exception as error:
        run.record(started, "port-forward", False, error=repr(error))
        raise StepFailed from error


async def _port_forward_cycle(run: Run, account: Account, client: Client, rng: random.Random, started: float) -> None:
    tag = f"bench-{uuid.uuid4().hex[:12]}"
    pod = f"echo-{rng.randrange(ECHO_PODS)}"
    result = await asyncio.wait_for(
        client.call_tool("port_forward", {"namespace": "default", "resourceName": pod, "ports": ["8080"]}),
        CALL_TIMEOUT_SECONDS,
    )
    if result.is_error:
        run.record(started, "port-forward", False, error=f"start: {text_of(result)}")
        return
    try:
        started_session = answer(text_of(result))
        session, [port] = started_session["sessionId"], local_ports_of(started_session)
    except (ValueError, KeyError) as error:
        run.record(started, "port-forward", False, error=f"start answered {text_of(result)!r}: {error!r}")
        return
    payload = tag.encode()
    try:
        echoed = await asyncio.wait_for(asyncio.to_thread(round_trip, port, payload), 10)
    except (OSError, TimeoutError) as error:
        echoed = repr(error).encode()
    stopped = await asyncio.wait_for(
        client.call_tool("stop_port_forward_session", {"sessionId": session}), CALL_TIMEOUT_SECONDS
    )
    if stopped.is_error:
        run.record(started, "port-forward", False, error=f"stop: {text_of(stopped)}")
        return
    account.stopped_sessions.append(session)
    ok = echoed == payload
    run.record(started, "port-forward", ok, tag, "" if ok else f"the round trip gave {echoed[:100]!r}")


async def client_loop(run: Run, account: Account, until: float, rng: random.Random, think: float) -> None:
    token_http = httpx2.AsyncClient(timeout=CALL_TIMEOUT_SECONDS)
    async with token_http:
        while time.monotonic() < until:
            if account.logged_out and not await log_in_again(run, account):
                await asyncio.sleep(0.5)
                continue
            opened = time.monotonic()
            http = httpx2.AsyncClient(auth=Bearer(account), timeout=CALL_TIMEOUT_SECONDS)
            transport = streamable_http_client(f"{run.base_url}/mcp", http_client=http)
            try:
                async with http, Client(transport, mode="auto") as client:
                    while time.monotonic() < until:
                        await step(run, account, client, token_http, rng)
                        if think:  # a model reading the answer before its next call: 0.5 to 1.5 times `think`
                            await asyncio.sleep(think * (0.5 + rng.random()))
            except Exception as error:  # noqa: BLE001 - every failure is counted once, then a new session
                failure = innermost(error)
                if isinstance(failure, CredentialsLost):
                    account.logged_out = True
                elif not isinstance(failure, StepFailed):  # the session could not open (a worker just died)
                    run.record(opened, "session", False, account.login, repr(failure))
                await asyncio.sleep(0.05)


def innermost(error: BaseException) -> BaseException:
    """The one exception inside the task groups' exception groups, if there is one."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


async def step(run: Run, account: Account, client: Client, token_http: httpx2.AsyncClient, rng: random.Random) -> None:
    draw = rng.random()
    if draw < REFRESH_SHARE:
        await refresh(run, account, token_http)
        return
    if draw < REFRESH_SHARE + PORT_FORWARD_SHARE:
        await port_forward_cycle(run, account, client, rng)
        return
    tag = f"bench-{uuid.uuid4().hex[:12]}"
    if draw < REFRESH_SHARE + PORT_FORWARD_SHARE + WRITE_SHARE:
        kind, tool, arguments = "write", "create", {"manifest": configmap(tag)}
    else:
        kind, tool, arguments = "read", "list", {"resourceType": "pods", "labelSelector": f"bench={tag}"}
    started = time.monotonic()
    try:
        result = await asyncio.wait_for(client.call_tool(tool, arguments), CALL_TIMEOUT_SECONDS)
    except Exception as error:
        run.record(started, kind, False, tag, repr(error))
        raise StepFailed from error
    run.record(started, kind, not result.is_error, tag, "" if not result.is_error else text_of(result))


async def log_in_again(run: Run, account: Account) -> bool:
    """The refresh token was spent without its answer arriving (rotation): log in again, as a person would.
    Whether that worked; until it does, the client tries again instead of calling with spent tokens."""
    started = time.monotonic()
    try:
        tokens = await asyncio.to_thread(
            log_in, run.base_url, run.registration_token, login=account.login, client=account.client
        )
    except Exception as error:  # noqa: BLE001 - counted; the client tries again
        run.record(started, "login", False, account.login, repr(error))
        return False
    account.take(tokens)
    run.record(started, "login", True, account.login)
    return True


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
    parser.add_argument(
        "--think", type=float, default=0.0, help="seconds each client waits, on average, between its calls (0: none)"
    )
    parser.add_argument(
        "--qps",
        type=float,
        default=1000.0,
        help="QPS_LIMIT of each worker's Kubernetes client (the server's default, 20, caps two workers near 40 "
        "API requests a second: the load would measure that cap, not the server)",
    )
    options = parser.parse_args()
    with contextlib.ExitStack() as stack:
        database = create_database(stack, "kubemcp_load")
        cluster = FakeCluster()
        cluster.seed(pods=50, namespaces=2)
        echo = EchoServer()
        stack.callback(echo.close)
        for number in range(ECHO_PODS):
            add_echo_pod(cluster, echo, f"echo-{number}")
        listeners = [listening_socket(), listening_socket()]
        proxy = stack.enter_context(RoundRobinProxy([listener.getsockname()[1] for listener in listeners]))
        upstream_secret = secrets.token_urlsafe(24)
        provider = OIDCProvider(
            client_id=UPSTREAM_CLIENT_ID, client_secret=upstream_secret, redirect_uri=f"{proxy.url}/oidc/callback/"
        ).start()
        stack.callback(provider.stop)
        encryption_key = new_encryption_key()
        run = Run(base_url=proxy.url, registration_token=secrets.token_urlsafe(32))
        env = shared_environment(
            database,
            redis_url(),
            **serve_cluster(stack, cluster),
            DRY_RUN="true",
            NON_DESTRUCTIVE="true",
            QPS_LIMIT=str(options.qps),
            BURST_LIMIT=str(max(1, int(options.qps))),
            PORT_FORWARD_CHECK_SECONDS="2",
            ALLOWED_OPERATIONS="port-forward",
            PORT_FORWARD_MAX_TOTAL="200",
            OAUTH_ENABLED="true",
            OAUTH_BASE_URL=proxy.url,
            OAUTH_PROVIDER="dex",
            DEX_ISSUER_URL=provider.issuer,
            DEX_CLIENT_ID=UPSTREAM_CLIENT_ID,
            DEX_CLIENT_SECRET=upstream_secret,
            ALLOW_PRIVATE_OAUTH_URLS="true",
            OAUTH_ENCRYPTION_KEY=encryption_key,
            REGISTRATION_TOKEN=run.registration_token,
            MAX_CLIENTS_PER_IP="10000",
            MAX_REGISTRATIONS_PER_HOUR="10000",
            RATE_LIMIT_PER_IP="100000/2s",
        )
        workers = [LiveServer(env=env, listener=listener) for listener in listeners]
        for worker in workers:
            stack.callback(worker.stop)
            worker.start()
        print(f"logging in {options.clients} clients...", flush=True)
        with ThreadPoolExecutor(8) as pool:
            logins = list(pool.map(lambda n: log_in(proxy.url, run.registration_token, login=f"load-{n}"),
                                   range(options.clients)))  # fmt: skip
        accounts = [
            Account(f"load-{n}", tokens["client"], tokens["access_token"], tokens["refresh_token"])
            for n, tokens in enumerate(logins)
        ]

        async def go() -> None:
            began = time.monotonic()
            until = began + options.seconds
            await asyncio.gather(
                killer(workers[1], began + options.seconds / 2, run),
                *(
                    client_loop(run, account, until, random.Random(n), options.think)
                    for n, account in enumerate(accounts)
                ),
            )

        wall = time.monotonic()
        asyncio.run(go())
        wall = time.monotonic() - wall
        time.sleep(2 * 2 + 1)  # two port-forward checks: the killed worker's sessions are swept by then
        violations = check_integrity(database, encryption_key, run, accounts, workers)
        report(options, run, wall, database, violations)


def check_integrity(
    database: str, encryption_key: str, run: Run, accounts: list[Account], workers: list[LiveServer]
) -> list[str]:
    """What is wrong in the shared database after the run (empty when nothing is)."""
    violations = []
    orphans = sql(database, """
        SELECT a.id, c.id IS NULL, u.id IS NULL AND a.scope != %s, a.token_checksum = '', a.expires IS NULL
        FROM oauth2_provider_accesstoken a
        LEFT JOIN oauth2_provider_application c ON c.id = a.application_id
        LEFT JOIN auth_user u ON u.id = a.user_id""", (oauth2_settings.DCR_REGISTRATION_SCOPE,))  # fmt: skip
    for token_id, *lacks in orphans:
        missing = [
            what for what, lacking in zip(("client", "user", "checksum", "expiry"), lacks, strict=True) if lacking
        ]
        if missing:
            violations.append(f"access token row {token_id} has no {', '.join(missing)}")
    dangling = sql(database, """
        SELECT r.id FROM oauth2_provider_refreshtoken r
        LEFT JOIN oauth2_provider_accesstoken a ON a.id = r.access_token_id
        WHERE r.revoked IS NULL AND a.id IS NULL""")  # fmt: skip
    violations += [f"refresh token row {row[0]} is neither revoked nor tied to an access token" for row in dangling]
    checksums = {row[0] for row in sql(database, "SELECT token_checksum FROM oauth2_provider_accesstoken")}
    for account in accounts:
        if hashlib.sha256(account.access.encode()).hexdigest() not in checksums:
            violations.append(f"the last access token of {account.login} is not in the database")
            continue
        status = httpx2.post(f"{run.base_url}/mcp", headers={
            "Authorization": f"Bearer {account.access}", "MCP-Protocol-Version": "2025-11-25",
            "Accept": "application/json, text/event-stream"}, json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        ).status_code  # fmt: skip
        if status != 200:
            violations.append(f"the last access token of {account.login} is refused at /mcp (HTTP {status})")
    cipher = TokenCipher(parse_key(encryption_key))
    for user_id, *sealed in sql(
        database, "SELECT user_id, id_token, access_token, refresh_token FROM oauthgw_upstreamtoken"
    ):
        for purpose, value in zip(("id_token", "access_token", "refresh_token"), sealed, strict=True):
            try:
                if value:
                    cipher.open(value, owner=f"user:{user_id}", purpose=purpose)
            except DecryptionError as error:
                violations.append(f"the upstream {purpose} of user {user_id} does not open: {error}")
    live_pids = {str(worker.process.pid) for worker in workers if worker.process and worker.process.poll() is None}
    stopped = {session for account in accounts for session in account.stopped_sessions}
    rows = sql(database, "SELECT id, status, worker_id, ports, stopped_by, last_error FROM k8stools_portforwardsession")
    for session_id, status, worker_id, ports, stopped_by, last_error in rows:
        if status in ("starting", "active"):
            if str(session_id) in stopped:
                violations.append(f"port-forward {session_id} was stopped by its client but is still {status}")
            elif worker_id.split(":")[1] not in live_pids:
                violations.append(f"port-forward {session_id} is {status} on {worker_id}, which is not running")
            elif not all(answers(local) for local, _ in ports):
                violations.append(f"port-forward {session_id} is {status} but its port does not answer")
        elif not stopped_by:
            violations.append(f"port-forward {session_id} is {status} with no one named as having ended it")
        elif status == "failed" and not last_error:
            violations.append(f"port-forward {session_id} failed without a reason")
    return violations


def answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        return True
    return False


def report(options: argparse.Namespace, run: Run, wall: float, database: str, violations: list[str]) -> None:
    audited = set(re.findall(r"bench-[0-9a-f]{12}", " ".join(
        row[0] for row in sql(database, "SELECT arguments::text FROM k8stools_auditrecord"))))  # fmt: skip
    window_end = run.restarted_at + KILL_MARGIN_SECONDS
    inside = [o for o in run.outcomes if run.killed_at <= o.started + o.seconds and o.started <= window_end]
    outside = [o for o in run.outcomes if not (run.killed_at <= o.started + o.seconds and o.started <= window_end)]
    reads = [o.seconds * 1000 for o in outside if o.kind == "read" and o.ok]
    succeeded = [o for o in run.outcomes if o.ok]
    tool_calls = [o for o in succeeded if o.kind in ("read", "write")]
    missing = [o.tag for o in tool_calls if o.tag not in audited]
    errors_outside = [o for o in outside if not o.ok]
    first = min((o.started for o in run.outcomes), default=run.killed_at)
    kinds = sorted({o.kind for o in run.outcomes})
    print(f"clients {options.clients}, {options.seconds:.0f} s (wall {wall:.1f} s), think {options.think:g} s, QPS_LIMIT {options.qps:g}; worker B killed at "
          f"{run.killed_at - first:.1f} s, back after {run.restarted_at - run.killed_at:.1f} s")  # fmt: skip
    print(f"requests: {len(run.outcomes)} ({len(succeeded)} succeeded, {len(run.outcomes) / wall:.0f}/s): "
          + ", ".join(f"{kind} {sum(o.kind == kind for o in run.outcomes)}" for kind in kinds))  # fmt: skip
    print(f"outside the kill window: {len(outside)} requests, {len(errors_outside)} errors "
          f"({100 * len(errors_outside) / max(1, len(outside)):.2f}%)")  # fmt: skip
    print(f"inside the kill window: {len(inside)} requests, {sum(not o.ok for o in inside)} errors")
    print(f"reads outside the window: p50 {statistics.median(reads) if reads else float('nan'):.1f} ms, "
          f"p99 {percentile(reads, 0.99):.1f} ms ({len(reads)} reads)")  # fmt: skip
    for kind in ("write", "refresh", "port-forward"):
        seconds = [o.seconds * 1000 for o in outside if o.kind == kind and o.ok]
        if seconds:
            print(f"{kind} outside the window: p50 {statistics.median(seconds):.1f} ms, "
                  f"p99 {percentile(seconds, 0.99):.1f} ms ({len(seconds)})")  # fmt: skip
    [(tool_p50, tool_p99)] = sql(database, """
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms), percentile_cont(0.99) WITHIN GROUP
        (ORDER BY duration_ms) FROM k8stools_auditrecord WHERE tool = 'list'""")  # fmt: skip
    print(f"reads as the server timed them (audit duration): p50 {tool_p50 or 0:.1f} ms, p99 {tool_p99 or 0:.1f} ms")
    print(f"audit: {len(tool_calls) - len(missing)}/{len(tool_calls)} successful tool calls have their record"
          + (f"; missing e.g. {missing[:3]}" if missing else ""))  # fmt: skip
    print(f"integrity violations: {len(violations)}")
    for violation in violations[:10]:
        print(f"  {violation}")
    for outcome in errors_outside[:5]:
        print(f"  error outside the window, {outcome.started - run.killed_at:+.1f} s from the kill: {outcome.kind} "
              f"{outcome.tag} {outcome.error}")  # fmt: skip
    for login in sorted({word for violation in violations for word in violation.split() if word.startswith("load-")}):
        history = [o for o in run.outcomes if o.tag == login]
        print(f"  {login}: " + ", ".join(f"{o.kind} {'ok' if o.ok else 'FAILED'} at {o.started - run.killed_at:+.1f} s"
                                         for o in history))  # fmt: skip


if __name__ == "__main__":
    main()
