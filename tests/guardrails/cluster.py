"""The attacker's cluster: a seeded fake with secret values planted where no tool may ever show them.

Restricted namespaces are `payments` and `kube-system`, as in the attack report. Every namespace holds a
Secret with a value of its own; `payments` and `kube-system` also hold a pod (scheduled on a node, with
an event) whose name appears nowhere else, so data of a restricted namespace that leaks through a
cluster-wide read (node stats, node logs, events) is recognised by name. `catalog` holds a Helm release
whose values and manifest carry secret values in the shapes masking has missed.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import yaml

from fakekube import FakeCluster
from tests.tools_extras.helm_cases import release_secret

RESTRICTED = frozenset({"payments", "kube-system"})
OPEN_NAMESPACE = "catalog"
NAMESPACES = ("payments", "checkout", "catalog", "default", "kube-system")
NODE = "worker-1"
RELEASE = "shop"

# One secret value per namespace, planted in a Secret named `planted-credentials` there.
PLANTED_SECRETS = {namespace: f"PLANTED-{namespace}-c7f31b9e" for namespace in NAMESPACES}
# Names of objects in restricted namespaces that no answer may mention.
RESTRICTED_POD_NAMES = {"payments": "ledger-planted-4d2a", "kube-system": "etcd-planted-4d2a"}
# Secret values inside the Helm release in `catalog` (values and manifest).
HELM_VALUE_SECRET = "PLANTED-helm-value-91d0"
HELM_LIST_SECRET = "PLANTED-helm-list-token-91d0"
HELM_LIST_KIND_SECRET = "PLANTED-helm-kind-list-91d0"
HELM_BROKEN_YAML_SECRET = "PLANTED-helm-broken-doc-91d0"
KUBECONFIG_PROXY_PASSWORD = "PLANTED-proxy-password-91d0"
KUBECONFIG_EXTENSION_SECRET = "PLANTED-extension-secret-91d0"
# A Secret in the open namespace the write tools may patch; its value is the one they are given.
PATCH_SECRET_VALUE = "PLANTED-patched-in-clear-91d0"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def planted_values(fake: FakeCluster) -> set[str]:
    """Every value no output may contain: the planted ones, the seeded Secrets' passwords, and their base64."""
    values = {
        *PLANTED_SECRETS.values(),
        HELM_VALUE_SECRET,
        HELM_LIST_SECRET,
        HELM_LIST_KIND_SECRET,
        HELM_BROKEN_YAML_SECRET,
        KUBECONFIG_PROXY_PASSWORD,
        KUBECONFIG_EXTENSION_SECRET,
        PATCH_SECRET_VALUE,
    }
    for secret in fake.list_objects("secrets"):
        password = (secret.get("data") or {}).get("password")
        if password:
            values.add(base64.b64decode(password).decode())
    return values | {b64(value) for value in values}


def attacker_cluster() -> FakeCluster:
    """The seeded fake with the planted Secrets, restricted pods and the Helm release."""
    fake = FakeCluster()
    fake.seed(pods=20, namespaces=3, nodes=3)
    for namespace in NAMESPACES:
        fake.add_object(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "planted-credentials", "namespace": namespace},
                "type": "Opaque",
                "data": {"password": b64(PLANTED_SECRETS[namespace])},
            }
        )
    for namespace, name in RESTRICTED_POD_NAMES.items():
        fake.add_object(restricted_pod(namespace, name))
        fake.add_object(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": f"{name}.planted", "namespace": namespace},
                "involvedObject": {"kind": "Pod", "name": name, "namespace": namespace},
                "reason": "Started",
                "message": f"Started container {name}",
                "type": "Normal",
                "count": 1,
                "firstTimestamp": "2026-12-01T10:00:00Z",
                "lastTimestamp": "2026-12-01T10:00:00Z",
                "source": {"component": "kubelet", "host": NODE},
            }
        )
    for namespace in (OPEN_NAMESPACE, "payments"):
        fake.add_object(helm_release_secret(RELEASE, namespace))
    return fake


def restricted_pod(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {"nodeName": NODE, "containers": [{"name": "main", "image": "registry.example/ledger:1"}]},
    }


HELM_MANIFEST = f"""---
# Source: shop/templates/secrets.yaml
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata:
    name: shop-listed
  data:
    password: {b64(HELM_LIST_KIND_SECRET)}
---
# Source: shop/templates/broken.yaml
apiVersion: v1
kind: Secret
metadata:
  name: shop-broken
  labels: {{unclosed
stringData:
  password: {HELM_BROKEN_YAML_SECRET}
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
"""


def helm_release_secret(name: str, namespace: str, revision: int = 1) -> dict[str, Any]:
    """A Helm 3 release Secret whose values hold a secret under a secret key and a list of tokens."""
    return release_secret(
        name,
        namespace,
        revision,
        "deployed",
        "1.0.0",
        manifest=HELM_MANIFEST,
        config={"db": {"password": HELM_VALUE_SECRET}, "apiTokens": [HELM_LIST_SECRET]},
    )


def add_secret_bearing_kubeconfig_entries(kubeconfig: str) -> None:
    """Give the kubeconfig a context whose cluster has a proxy URL with a password and an extension."""
    path = Path(kubeconfig)
    config = yaml.safe_load(path.read_text())
    server = config["clusters"][0]["cluster"]["server"]
    config["clusters"].append(
        {
            "name": "proxied-cluster",
            "cluster": {
                "server": server,
                "proxy-url": f"http://proxyuser:{KUBECONFIG_PROXY_PASSWORD}@proxy.example:3128",
                "extensions": [{"name": "vault", "extension": {"token": KUBECONFIG_EXTENSION_SECRET}}],
            },
        }
    )
    config["users"].append({"name": "proxied-user", "user": {}})
    config["contexts"].append(
        {"name": "proxied", "context": {"cluster": "proxied-cluster", "user": "proxied-user", "namespace": "default"}}
    )
    path.write_text(yaml.safe_dump(config))
