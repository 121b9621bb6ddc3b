"""Objects every real cluster has without anyone creating them: the `kubernetes` Service with its Endpoints and
EndpointSlice in `default` (the API server's own address), a `kube-root-ca.crt` ConfigMap and a `default`
ServiceAccount in every namespace (the root CA publisher and the service account controller) and a Lease per node
in `kube-node-lease` (the kubelet's heartbeat)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

from .certificates import issue_serving_certificate
from .objects import new_uid, now_timestamp
from .store import Store
from .types import ResourceType

API_SERVER_IP = "10.96.0.1"
API_SERVER_ENDPOINT = "172.18.0.2"
ROOT_CA_NAME = "kube-root-ca.crt"
_ROOT_CA_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as "
    "the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of "
    "Kubernetes clusters."
)


@functools.cache
def _root_ca_pem() -> str:
    """One throwaway CA per process: generating a key for every cluster would slow every test that makes one."""
    return issue_serving_certificate().ca_pem.decode()


def _metadata(name: str, namespace: str | None, **extra: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "uid": new_uid(), "creationTimestamp": now_timestamp(), **extra}
    if namespace:
        metadata["namespace"] = namespace
    return metadata


def api_server_objects() -> list[dict[str, Any]]:
    """The `kubernetes` Service, Endpoints and EndpointSlice the API server keeps in `default`."""
    labels = {"component": "apiserver", "provider": "kubernetes"}
    return [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _metadata("kubernetes", "default", labels=labels),
            "spec": {
                "type": "ClusterIP",
                "clusterIP": API_SERVER_IP,
                "clusterIPs": [API_SERVER_IP],
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                "sessionAffinity": "None",
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": _metadata("kubernetes", "default", labels={"endpointslice.kubernetes.io/skip-mirror": "true"}),
            "subsets": [
                {
                    "addresses": [{"ip": API_SERVER_ENDPOINT}],
                    "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
                }
            ],
        },
        {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": _metadata("kubernetes", "default", labels={"kubernetes.io/service-name": "kubernetes"}),
            "addressType": "IPv4",
            "endpoints": [{"addresses": [API_SERVER_ENDPOINT], "conditions": {"ready": True}}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
        },
    ]


class SystemObjects:
    """Publishes the root CA into each new namespace and a Lease for each new node, as their controllers do."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def after_write(self, resource_type: ResourceType, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        if new is None or old is not None or resource_type.group != "":
            return
        name = new["metadata"]["name"]
        if resource_type.plural == "namespaces":
            self._put(
                "serviceaccounts",
                {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _metadata("default", name)},
            )
            self._put(
                "configmaps",
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": _metadata(
                        ROOT_CA_NAME, name, annotations={"kubernetes.io/description": _ROOT_CA_DESCRIPTION}
                    ),
                    "data": {"ca.crt": _root_ca_pem()},
                },
            )
        elif resource_type.plural == "nodes":
            self._put(
                "leases",
                {
                    "apiVersion": "coordination.k8s.io/v1",
                    "kind": "Lease",
                    "metadata": _metadata(name, "kube-node-lease"),
                    "spec": {
                        "holderIdentity": name,
                        "leaseDurationSeconds": 40,
                        "renewTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    },
                },
                group="coordination.k8s.io",
            )

    def _put(self, resource: str, obj: dict[str, Any], group: str = "") -> None:
        with self.store.lock:
            namespace = obj["metadata"].get("namespace")
            if self.store.get("", "namespaces", None, namespace) is None:
                return
            if self.store.get(group, resource, namespace, obj["metadata"]["name"]) is None:
                self.store.put(group, resource, obj, "ADDED")
