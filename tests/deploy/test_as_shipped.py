"""The team deployments start as shipped: the environment docker-compose.yml and the Kubernetes manifests give the
workers (every variable, read from the files now; this machine's PostgreSQL, Redis and fake cluster in place of
the deployment's, the operator's secrets filled in), the migration step they wait for (one per pod, all at once,
for the init containers), then two workers with the image's command; MCP calls and an admin request through both.

PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) run on this machine (CI starts them); when either is
unreachable the tests fail and say so.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2
from django.test import SimpleTestCase

from fakekube import FakeCluster
from tests.deploy.shipped import (
    BASE_DIR,
    Deployment,
    compose_deployment,
    compose_interpolate,
    kubernetes_deployment,
    local_command,
    local_environment,
    run_together,
)
from tests.live import free_port
from tests.multiworker.backends import create_database, database_url, redis_url
from tests.tools_pods.fixtures import running_pod
from tests.transport.raw import MCP_HEADERS, modern_request

START_SECONDS = 60.0


def random_secret(size: int) -> str:
    """What `openssl rand -base64 SIZE` prints, as the deployment files tell the operator to make secrets."""
    return base64.b64encode(secrets.token_bytes(size)).decode()


class Worker:
    """One worker process started with the image's command, and requests to it under one of its allowed hosts."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.host = env["ALLOWED_HOSTS"].split(",")[0].strip()
        self.log_path = log
        with open(log, "w") as output:
            self.process = subprocess.Popen(
                local_command(command, self.port), cwd=BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def request(self, method: str, path: str, **options: Any) -> httpx2.Response:
        headers = {"host": self.host, **options.pop("headers", {})}
        with httpx2.Client(timeout=30) as client:
            return client.request(method, f"http://127.0.0.1:{self.port}{path}", headers=headers, **options)

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"a worker exited during start-up:\n{self.log()}")
            with contextlib.suppress(httpx2.HTTPError):
                if self.request("GET", "/readyz").status_code == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"a worker was not ready within {START_SECONDS:.0f} s:\n{self.log()}")

    def mcp(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        body, headers = modern_request(method, params)
        response = self.request("POST", "/mcp", json=body, headers={**MCP_HEADERS, **headers})
        messages = [line[5:] for line in response.text.splitlines() if line.startswith("data:") and line[5:].strip()]
        return json.loads(messages[-1]) if messages else response.json()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class DeploymentsAsShippedTests(SimpleTestCase):
    def start(self, deployment: Deployment, stack: contextlib.ExitStack, **replacements: str) -> list[Worker]:
        """The deployment's migration step, then its workers, on a fresh database and Redis of this machine."""
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kubemcp-shipped-")))
        (directory / "data").mkdir()
        (directory / "static").mkdir()
        database = create_database(stack, "kubemcp_shipped")
        services = {"DATABASE_URL": database_url(database), "REDIS_URL": redis_url(stack), **replacements}
        paths = {"/data": str(directory / "data"), "/app/staticfiles": str(directory / "static")}
        env = local_environment(deployment, services, paths)
        # What the container runtime adds: nothing of this machine's environment leaks in.
        env.update({"PATH": os.environ["PATH"], "HOME": str(directory), "LANG": "C.UTF-8"})

        if deployment.migrate:
            command = local_command(deployment.migrate, 0)
            for result in run_together(command, env, deployment.migrate_runs):
                self.assertEqual(result.returncode, 0, f"{deployment.name} migration step:\n{result.stderr[-3000:]}")
        workers = []
        for number in range(deployment.workers):
            worker = Worker(deployment.command, env, directory / f"worker-{number}.log")
            stack.callback(worker.stop)
            workers.append(worker)
        for worker in workers:
            worker.wait_until_ready()
        return workers

    def assert_serves_mcp_and_the_admin(self, worker: Worker) -> None:
        listed = worker.mcp("tools/list")
        names = {tool["name"] for tool in listed["result"]["tools"]}
        self.assertLessEqual({"list", "get", "describe", "logs"}, names, worker.log())
        login = worker.request("GET", "/admin/login/")
        self.assertEqual(login.status_code, 200, worker.log())
        self.assertIn('name="username"', login.text)
        # A secret a client wrongly puts in a URL is refused, and no log line of the worker carries it.
        refused = worker.request("POST", "/o/token/?client_secret=planted-in-the-url", data={"grant_type": "x"})
        self.assertGreaterEqual(refused.status_code, 400)
        self.assertNotIn("planted-in-the-url", worker.log())

    def test_the_compose_deployment_starts_and_both_workers_answer(self) -> None:
        stack = self.enterContext(contextlib.ExitStack())
        cluster = FakeCluster()
        cluster.seed(pods=2, namespaces=1)
        cluster.add_object(running_pod("box"))
        running = stack.enter_context(cluster.serve())
        shell = {"SECRET_KEY": random_secret(48), "OAUTH_ENCRYPTION_KEY": random_secret(32)}
        deployment = compose_deployment(shell)
        kubeconfig = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "config"
        running.write_kubeconfig(str(kubeconfig))
        workers = self.start(deployment, stack, KUBECONFIG=str(kubeconfig))
        self.assertEqual(len(workers), 2)
        for worker in workers:
            self.assert_serves_mcp_and_the_admin(worker)
            called = worker.mcp(
                "tools/call", {"name": "list", "arguments": {"resourceType": "pods", "namespace": "shop"}}
            )
            self.assertFalse(called["result"].get("isError"), called)
            self.assertIn("box", called["result"]["content"][0]["text"])

    def test_the_kubernetes_deployment_starts_and_both_workers_answer(self) -> None:
        stack = self.enterContext(contextlib.ExitStack())
        secret = {"secret-key": random_secret(48), "database-url": "postgres://unused", "redis-url": "redis://unused"}
        deployment = kubernetes_deployment({"kubemcp": {**secret, "encryption-key": random_secret(32)}})
        workers = self.start(deployment, stack)
        self.assertEqual(len(workers), 2)
        for worker in workers:
            self.assert_serves_mcp_and_the_admin(worker)
            # In a pod the kubelet sets the API server's address and mounts the service account; here neither is,
            # and the call says so as a tool error.
            called = worker.mcp("tools/call", {"name": "list", "arguments": {"resourceType": "pods"}})
            self.assertTrue(called["result"]["isError"], called)
            self.assertIn("no usable in-cluster configuration", called["result"]["content"][0]["text"], called)


class ComposeInterpolationTests(SimpleTestCase):
    """The reading of docker-compose.yml above interpolates as Compose does."""

    def test_it_takes_the_shell_value_or_the_nested_default(self) -> None:
        self.assertEqual(compose_interpolate("${A:-${B:-b}}", {}), "b")
        self.assertEqual(compose_interpolate("${A:-${B:-b}}", {"B": "x"}), "x")
        self.assertEqual(compose_interpolate("${A:-${B:-b}}", {"A": "a"}), "a")
        self.assertEqual(compose_interpolate("${A:-d}|${A-d}", {"A": ""}), "d|")
        self.assertEqual(compose_interpolate("$$A ${A:+set} $A", {"A": "1"}), "$A set 1")

    def test_a_required_variable_that_is_unset_refuses_to_start(self) -> None:
        with self.assertRaisesMessage(AssertionError, "SECRET_KEY set SECRET_KEY"):
            compose_interpolate("${SECRET_KEY:?set SECRET_KEY}", {})
