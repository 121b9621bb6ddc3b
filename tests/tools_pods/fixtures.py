"""Pods as the tests arrange them, and a live server whose fake cluster serves no metrics API."""

from __future__ import annotations

import functools
from typing import Any
from unittest import mock

from fakekube import FakeCluster
from tests.live import LiveServerTestCase


def running_pod(
    name: str,
    *,
    namespace: str = "shop",
    containers: tuple[str, ...] = ("app",),
    labels: dict[str, str] | None = None,
    node: str = "worker-1",
    status: dict[str, Any] | None = None,
    cpu: str = "100m",
    memory: str = "64Mi",
) -> dict[str, Any]:
    """A scheduled pod whose containers all run (unless `status` says otherwise)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": {
            "nodeName": node,
            "containers": [
                {"name": c, "image": "busybox:1.36", "resources": {"requests": {"cpu": cpu, "memory": memory}}}
                for c in containers
            ],
        },
        "status": status
        or {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {
                    "name": c,
                    "ready": True,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": "2024-05-01T12:00:00Z"}},
                }
                for c in containers
            ],
        },
    }


def requests_to(fake: FakeCluster, *, subresource: str, namespace: str | None = None) -> list[Any]:
    """The requests for a pod subresource (log, exec) that reached the fake."""
    return [
        request
        for request in fake.requests
        if request.subresource == subresource and (namespace is None or request.namespace == namespace)
    ]


class NoMetricsLiveServerTestCase(LiveServerTestCase):
    """A live server against a fake cluster without metrics-server (no metrics.k8s.io at all)."""

    @classmethod
    def setUpClass(cls) -> None:
        with mock.patch("tests.live.FakeCluster", functools.partial(FakeCluster, metrics_api=False)):
            super().setUpClass()
