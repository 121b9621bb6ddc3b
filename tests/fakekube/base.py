"""A test case that serves one FakeCluster per class and hands out official `kubernetes` clients."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import unittest
from typing import Any

from kubernetes import client, config
from kubernetes.client.rest import ApiException

from fakekube import FakeCluster, RunningServer


class FakeClusterTestCase(unittest.TestCase):
    """Starts `cluster` (built by `make_cluster`) in `setUpClass`; `api` is an ApiClient through a kubeconfig."""

    cluster: FakeCluster
    running: RunningServer
    kubeconfig: str
    api: client.ApiClient

    @classmethod
    def make_cluster(cls) -> FakeCluster:
        return FakeCluster()

    @classmethod
    def serve(cls, cluster: FakeCluster) -> RunningServer:
        return cluster.serve()

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.cluster = cls.make_cluster()
        cls.running = cls.serve(cls.cluster)
        cls.addClassCleanup(cls.running.stop)
        cls.tempdir = tempfile.TemporaryDirectory()
        cls.addClassCleanup(cls.tempdir.cleanup)
        cls.kubeconfig = os.path.join(cls.tempdir.name, "kubeconfig")
        cls.running.write_kubeconfig(cls.kubeconfig)
        cls.api = config.new_client_from_config(config_file=cls.kubeconfig)
        cls.addClassCleanup(cls.api.close)

    @property
    def core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api)

    @property
    def apps(self) -> client.AppsV1Api:
        return client.AppsV1Api(self.api)

    def client_for(self, token: str | None, context: str = "fake") -> client.ApiClient:
        path = os.path.join(self.tempdir.name, f"kubeconfig-{hashlib.sha256(str(token).encode()).hexdigest()[:16]}")
        self.running.write_kubeconfig(path, context=context, token=token)
        api = config.new_client_from_config(config_file=path)
        self.addCleanup(api.close)
        return api

    def kubectl(
        self, *args: str, check: bool = True, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run kubectl against this class's server, with its discovery cache in the class's temp dir (and `env`
        instead of this process's environment when given)."""
        result = subprocess.run(
            [
                "kubectl",
                "--kubeconfig",
                self.kubeconfig,
                "--cache-dir",
                os.path.join(self.tempdir.name, "kube-cache"),
                *args,
            ],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
        )
        if check:
            self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def client_without_retries(self) -> client.ApiClient:
        """A client that surfaces every failure (urllib3 otherwise retries drops and 429s with Retry-After)."""
        configuration = client.Configuration()
        config.load_kube_config(config_file=self.kubeconfig, client_configuration=configuration)
        configuration.retries = False
        api = client.ApiClient(configuration)
        self.addCleanup(api.close)
        return api

    def assertApiError(self, code: int, reason: str | None = None) -> Any:
        return _ApiErrorContext(self, code, reason)


class _ApiErrorContext:
    def __init__(self, test: unittest.TestCase, code: int, reason: str | None) -> None:
        self.test, self.code, self.reason = test, code, reason
        self.body: dict[str, Any] = {}
        self.exception: ApiException | None = None

    def __enter__(self) -> _ApiErrorContext:
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> bool:
        if error is None:
            self.test.fail(f"expected ApiException {self.code}, nothing was raised")
        if not isinstance(error, ApiException):
            return False
        self.exception = error
        self.test.assertEqual(error.status, self.code, error.body)
        self.body = json.loads(error.body)
        self.test.assertEqual(self.body["kind"], "Status")
        self.test.assertEqual(self.body["code"], self.code)
        if self.reason is not None:
            self.test.assertEqual(self.body["reason"], self.reason, self.body)
        return True


def pod_manifest(
    name: str, namespace: str = "default", labels: dict[str, str] | None = None, image: str = "nginx:1.27"
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": {"containers": [{"name": "main", "image": image, "ports": [{"containerPort": 80}]}]},
    }


def deployment_manifest(
    name: str, namespace: str = "default", replicas: int = 2, image: str = "nginx:1.27"
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
        },
    }
