"""The environment a container's processes see, built the way the kubelet builds it."""

from __future__ import annotations

import base64
from typing import Any

from fakekube.runtime_pods import container_spec
from fakekube.runtime_streams import ClusterView

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def container_environment(cluster: ClusterView, pod: dict[str, Any], container: str, tty: bool) -> dict[str, str]:
    """PATH and HOSTNAME, then `envFrom` and `env` (resolving references), then the API server's service variables."""
    namespace = pod["metadata"].get("namespace", "default")
    spec = container_spec(pod, container)
    variables: dict[str, str] = {"PATH": DEFAULT_PATH, "HOSTNAME": pod["metadata"]["name"]}
    if tty:
        variables["TERM"] = "xterm"
    for source in spec.get("envFrom") or []:
        prefix = source.get("prefix", "")
        for key, value in _source_data(cluster, namespace, source).items():
            variables[prefix + key] = value
    for entry in spec.get("env") or []:
        resolved = _env_value(cluster, pod, entry)
        if resolved is not None:
            variables[entry["name"]] = _expand_references(resolved, variables)
    service = cluster.get_object("services", "default", "kubernetes") or {}
    host = (service.get("spec") or {}).get("clusterIP") or "10.96.0.1"
    variables.update(
        {
            "KUBERNETES_SERVICE_HOST": host,
            "KUBERNETES_SERVICE_PORT": "443",
            "KUBERNETES_SERVICE_PORT_HTTPS": "443",
            "KUBERNETES_PORT": f"tcp://{host}:443",
            "KUBERNETES_PORT_443_TCP": f"tcp://{host}:443",
            "KUBERNETES_PORT_443_TCP_PROTO": "tcp",
            "KUBERNETES_PORT_443_TCP_PORT": "443",
            "KUBERNETES_PORT_443_TCP_ADDR": host,
            "HOME": "/root",
        }
    )
    return variables


def _source_data(cluster: ClusterView, namespace: str, source: dict[str, Any]) -> dict[str, str]:
    if "configMapRef" in source:
        config_map = cluster.get_object("configmaps", namespace, source["configMapRef"].get("name", "")) or {}
        return dict(config_map.get("data") or {})
    if "secretRef" in source:
        secret = cluster.get_object("secrets", namespace, source["secretRef"].get("name", "")) or {}
        data = secret.get("data") or {}
        return {key: base64.b64decode(value).decode(errors="replace") for key, value in data.items()}
    return {}


def _env_value(cluster: ClusterView, pod: dict[str, Any], entry: dict[str, Any]) -> str | None:
    if "value" in entry or "valueFrom" not in entry:
        return str(entry.get("value", ""))
    reference = entry["valueFrom"]
    namespace = pod["metadata"].get("namespace", "default")
    if "fieldRef" in reference:
        return _field(pod, reference["fieldRef"].get("fieldPath", ""))
    if "configMapKeyRef" in reference:
        ref = reference["configMapKeyRef"]
        config_map = cluster.get_object("configmaps", namespace, ref.get("name", "")) or {}
        return (config_map.get("data") or {}).get(ref.get("key", ""))
    if "secretKeyRef" in reference:
        ref = reference["secretKeyRef"]
        secret = cluster.get_object("secrets", namespace, ref.get("name", "")) or {}
        value = (secret.get("data") or {}).get(ref.get("key", ""))
        return base64.b64decode(value).decode(errors="replace") if value is not None else None
    return None


def _field(pod: dict[str, Any], path: str) -> str:
    metadata, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    fields = {
        "metadata.name": metadata.get("name"),
        "metadata.namespace": metadata.get("namespace"),
        "metadata.uid": metadata.get("uid"),
        "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName"),
        "status.podIP": status.get("podIP"),
        "status.hostIP": status.get("hostIP"),
    }
    return str(fields.get(path) or "")


def _expand_references(value: str, variables: dict[str, str]) -> str:
    """`$(VAR)` in an env value refers to a variable defined earlier, as in the kubelet."""
    for name, known in variables.items():
        value = value.replace(f"$({name})", known)
    return value
