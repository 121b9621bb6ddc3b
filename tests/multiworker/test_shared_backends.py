"""Two daphne workers behind a round-robin proxy, sharing a fresh PostgreSQL database and Redis: any worker answers
any MCP request, a policy saved in the admin of one is enforced by both on their next call, both write their audit records to the
shared database, and /metrics and the dashboard of either add up the calls of both.

PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379) run on this machine (CI starts them); when
either is unreachable the tests fail and say so.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from typing import Any, ClassVar

import requests
from django.test import SimpleTestCase
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis

from fakekube import FakeCluster
from tests.live import LiveServer, mcp_client, run, serve_cluster
from tests.multiworker.backends import create_database, create_superuser, redis_url, shared_environment, sql
from tests.multiworker.proxy import RoundRobinProxy
from tests.multiworker.staff import StaffSession
from tests.tools_pods.fixtures import running_pod

# How long after a call its counters can reach the shared cache (CacheCounterStore's flush_seconds), with room.
COUNTERS_SECONDS = 3.0
STAFF, STAFF_PASSWORD = "olga", "olga-password-1234"
DB_POOL_MAX_SIZE = 4


class SharedBackendsTests(SimpleTestCase):
    database: ClassVar[str]
    redis: ClassVar[str]
    workers: ClassVar[list[LiveServer]]
    proxy: ClassVar[RoundRobinProxy]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.start(cls.enterClassContext(contextlib.ExitStack()))  # closed with the class, or if start fails

    @classmethod
    def start(cls, stack: contextlib.ExitStack) -> None:
        cls.database = create_database(stack, "kubemcp_mw")
        cluster = FakeCluster()
        cluster.seed(pods=3, namespaces=1)
        cluster.add_object(running_pod("box"))
        cls.redis = redis_url(stack)
        env = shared_environment(
            cls.database,
            cls.redis,
            **serve_cluster(stack, cluster),
            DB_POOL_MAX_SIZE=str(DB_POOL_MAX_SIZE),
        )
        create_superuser(env, STAFF, STAFF_PASSWORD)
        cls.workers = [LiveServer(env=env), LiveServer(env=env)]
        for worker in cls.workers:
            stack.callback(worker.stop)
            worker.start()
        cls.proxy = stack.enter_context(RoundRobinProxy([worker.port for worker in cls.workers]))

    def sql(self, statement: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return sql(self.database, statement, parameters)

    def calls(self, url: str, mode: str, calls: list[tuple[str, dict[str, Any]]]) -> list[tuple[bool, str]]:
        """The calls, concurrently, in one client session: (is_error, text) for each."""

        async def go() -> list[tuple[bool, str]]:
            async with mcp_client(f"{url}/mcp", mode=mode) as client:
                results = await asyncio.gather(*(client.call_tool(tool, arguments) for tool, arguments in calls))
            return [(bool(r.is_error), "".join(getattr(block, "text", "") for block in r.content)) for r in results]

        return run(go())

    def assert_any_worker_answers(self, mode: str) -> None:
        before = dict(self.proxy.connections)
        names = [f"{mode}-{uuid.uuid4().hex[:8]}-{number}" for number in range(6)]
        calls = [("get", {"resourceType": "pods", "name": name, "namespace": "shop"}) for name in names]
        calls += [("list", {"resourceType": "pods", "namespace": "shop"})] * 4
        results = self.calls(self.proxy.url, mode, calls)
        for (is_error, text), name in zip(results, names, strict=False):
            self.assertTrue(is_error, text)
            self.assertIn(name, text)  # each answer is to its own request
        for is_error, text in results[len(names) :]:
            self.assertFalse(is_error, text)
            self.assertIn("box", text)
        used = {port for port in self.proxy.connections if self.proxy.connections[port] > before.get(port, 0)}
        self.assertEqual(used, {worker.port for worker in self.workers}, self.proxy.connections)

    def test_a_legacy_client_whose_requests_alternate_workers_works(self) -> None:
        self.assert_any_worker_answers("legacy")

    def test_an_auto_client_whose_requests_alternate_workers_works(self) -> None:
        self.assert_any_worker_answers("auto")

    def test_a_worker_keeps_its_database_and_redis_connections_across_requests(self) -> None:
        """Not one PostgreSQL session and one Redis connection per request (each request is a new context)."""
        redis = Redis.from_url(self.redis)
        self.calls(self.workers[0].url, "auto", [("list", {"resourceType": "pods", "namespace": "shop"})])  # warm
        sessions = self.sql("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")[0][0]
        dialled = redis.info("stats")["total_connections_received"]
        for _ in range(3):  # three sessions of ten concurrent calls: thirty requests, and their admissions
            self.calls(self.workers[0].url, "auto", [("list", {"resourceType": "pods", "namespace": "shop"})] * 10)
        opened = self.sql("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")[0][0] - sessions
        self.assertLessEqual(opened, DB_POOL_MAX_SIZE + 2)  # our own two queries, and what the pool may add
        self.assertLessEqual(redis.info("stats")["total_connections_received"] - dialled, 10)

    def lists_shop(self, worker: LiveServer) -> tuple[bool, str]:
        [(is_error, text)] = self.calls(worker.url, "legacy", [("list", {"resourceType": "pods", "namespace": "shop"})])
        return not is_error, text

    def assert_both_workers_at_once(self, *, list_shop: bool) -> None:
        """The very next call in each worker follows the edit: no polling interval to wait out."""
        for worker in self.workers:
            allowed, text = self.lists_shop(worker)
            self.assertEqual(allowed, list_shop, f"{worker.url}: {text}")
            if not list_shop:
                self.assertIn('namespace "shop" is restricted by the server policy', text)

    def staff(self, worker: LiveServer) -> StaffSession:
        return StaffSession(worker.url, STAFF, STAFF_PASSWORD)

    def test_a_policy_saved_in_the_admin_of_one_worker_is_enforced_by_both_on_their_next_call(self) -> None:
        worker_a, worker_b = self.workers
        for worker in self.workers:
            self.assertTrue(self.lists_shop(worker)[0])  # both have read (and cached) the policy
        self.addCleanup(self.sql, "DELETE FROM k8stools_policysettings")  # should lifting through the admin fail
        restrict = {
            "non_destructive": "inherit",
            "dry_run": "inherit",
            "allowed_operations_mode": "inherit",
            "restricted_namespaces_mode": "override",
            "restricted_namespaces": "shop",
        }
        saved = self.staff(worker_a).post("/admin/k8stools/policysettings/1/change/", restrict)
        self.assertEqual(StaffSession.message(saved.text)[0], "success", saved.text[:800])
        self.assert_both_workers_at_once(list_shop=False)

        lifted = self.staff(worker_b).post(
            "/admin/k8stools/policysettings/1/change/", {**restrict, "restricted_namespaces_mode": "inherit"}
        )
        self.assertEqual(StaffSession.message(lifted.text)[0], "success", lifted.text[:800])
        self.assert_both_workers_at_once(list_shop=True)
        self.assertEqual(self.sql("SELECT count(*) FROM k8stools_auditrecord WHERE tool = 'admin:policy'"), [(2,)])
        self.assertEqual(self.sql("SELECT restricted_namespaces FROM k8stools_policysettings"), [(None,)])

    def test_both_workers_write_their_audit_records_to_the_shared_database(self) -> None:
        names = {}
        for index, worker in enumerate(self.workers):
            names[worker.port] = [f"audit-{index}-{uuid.uuid4().hex[:8]}-{number}" for number in range(3)]
            calls = [
                ("get", {"resourceType": "pods", "name": name, "namespace": "shop"}) for name in names[worker.port]
            ]
            self.calls(worker.url, "legacy", calls)
        wanted = [name for port_names in names.values() for name in port_names]
        rows = self.sql("SELECT name, tool FROM k8stools_auditrecord WHERE name = ANY(%s)", (wanted,))
        self.assertEqual(sorted(rows), sorted((name, "get") for name in wanted))

    def metric(self, worker: LiveServer, name: str, **labels: str) -> float:
        body = requests.get(f"{worker.url}/metrics", timeout=30).text
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                if sample.name == name and sample.labels == labels:
                    return float(sample.value)
        return 0.0

    def test_metrics_and_the_dashboard_of_either_worker_add_up_the_calls_of_both(self) -> None:
        # Only this test gets a pod that exists: the others' gets fail, so `get`/`ok` counts this test's calls.
        get_box = ("get", {"resourceType": "pods", "name": "box", "namespace": "shop"})
        worker_a, worker_b = self.workers
        results = self.calls(worker_a.url, "legacy", [get_box] * 3) + self.calls(worker_b.url, "auto", [get_box] * 2)
        self.assertEqual([is_error for is_error, _ in results], [False] * 5, results)

        for worker in self.workers:
            deadline = time.monotonic() + COUNTERS_SECONDS
            while (counted := self.metric(worker, "kubemcp_tool_calls_total", tool="get", outcome="ok")) != 5:
                self.assertLess(time.monotonic(), deadline, f"{worker.url}/metrics counts {counted} calls, not 5")
                time.sleep(0.1)
            audited = self.metric(worker, "kubemcp_audited_tool_calls_24h", tool="get", outcome="ok")
            self.assertEqual(audited, 5, worker.url)
            dashboard = self.staff(worker).get("/admin/dashboard/").text
            ok_calls = re.search(
                r'<tr id="tool-get"><th scope="row">get</th><td[^>]*>.*?</td><td[^>]*><a [^>]*>(\d+)</a>', dashboard
            )
            self.assertIsNotNone(ok_calls, worker.url)
            self.assertEqual(ok_calls.group(1), "5", worker.url)  # type: ignore[union-attr]
