"""The cast for the write-tool tests: a live server that may write, and small manifests to send."""

from __future__ import annotations

from typing import Any, ClassVar

import yaml

from tests.live import LiveServerTestCase


def deployment(
    name: str,
    namespace: str | None = None,
    *,
    image: str = "nginx:1.27",
    replicas: int = 1,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    labels = labels or {"app": name}
    metadata: dict[str, Any] = {"name": name, "labels": labels}
    if namespace:
        metadata["namespace"] = namespace
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "web", "image": image}]}},
        },
    }


def configmap(name: str, namespace: str | None = None, **data: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": dict(data)}


def as_yaml(*objects: dict[str, Any]) -> str:
    return yaml.safe_dump_all(objects, sort_keys=False)


class WritingTestCase(LiveServerTestCase):
    """A server that applies changes for real (non-destructive mode off), kube-system restricted."""

    seed: ClassVar[dict[str, int]] = {"pods": 6, "namespaces": 1}
    server_env: ClassVar[dict[str, str]] = {"NON_DESTRUCTIVE": "false", "RESTRICTED_NAMESPACES": "kube-system"}

    def writes(self) -> list[Any]:
        """Requests that changed state, since the last `clear_requests`."""
        return self.fake.mutations()
