"""Kubernetes objects as the API server returns them, in the states the formatting must handle."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2026, 11, 25, 9, 0, 0, tzinfo=UTC)


def ago(**delta: float) -> str:
    """An RFC 3339 timestamp ``delta`` before NOW."""
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def pod(
    name: str,
    *,
    namespace: str = "default",
    node: str | None = "worker-1",
    phase: str = "Running",
    created: str | None = None,
    containers: list[dict[str, Any]] | None = None,
    init_containers: list[dict[str, Any]] | None = None,
    init_statuses: list[dict[str, Any]] | None = None,
    conditions: dict[str, str] | None = None,
    reason: str | None = None,
    deleting: bool = False,
    ip: str | None = "10.244.1.5",
) -> dict[str, Any]:
    """A Pod; ``containers`` are container statuses (``name``, ``state``, ``ready``...)."""
    statuses = containers if containers is not None else [running("app")]
    spec: dict[str, Any] = {
        "containers": [
            {
                "name": s["name"],
                "image": f"registry.example.com/{s['name']}:1.4.2",
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            }
            for s in statuses
        ],
        "dnsPolicy": "ClusterFirst",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "serviceAccount": "default",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
            {
                "key": "node.kubernetes.io/unreachable",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
        ],
    }
    if node:
        spec["nodeName"] = node
    if init_containers:
        spec["initContainers"] = init_containers
    all_ready = all(s.get("ready") for s in statuses)
    condition_status = {"Initialized": "True", "Ready": str(all_ready), "PodScheduled": "True"}
    condition_status.update(conditions or {})
    status: dict[str, Any] = {
        "phase": phase,
        "conditions": [
            {"type": kind, "status": value, "lastProbeTime": None, "lastTransitionTime": ago(hours=2)}
            for kind, value in condition_status.items()
        ],
        "containerStatuses": statuses,
        "hostIP": "10.0.0.11",
        "startTime": ago(hours=2),
    }
    if ip:
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    if reason:
        status["reason"] = reason
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "uid": "5f0c8a52-8f55-4d1e-9a3e-2f4a7e1d9b01",
        "resourceVersion": "48213",
        "creationTimestamp": created or ago(hours=2),
        "labels": {"app": name.rsplit("-", 2)[0], "pod-template-hash": "7d9f8b6c5"},
        "ownerReferences": [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": name.rsplit("-", 1)[0],
                "uid": "0b5e2c1a-3d4f-4a5b-8c6d-7e8f9a0b1c2d",
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
    }
    if deleting:
        metadata["deletionTimestamp"] = ago(seconds=20)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status}


def running(name: str, *, restarts: int = 0, ready: bool = True, last: dict[str, Any] | None = None) -> dict[str, Any]:
    """A running container status."""
    status: dict[str, Any] = {
        "name": name,
        "ready": ready,
        "started": True,
        "restartCount": restarts,
        "image": f"registry.example.com/{name}:1.4.2",
        "state": {"running": {"startedAt": ago(hours=1)}},
        "lastState": {"terminated": last} if last else {},
    }
    return status


def waiting(name: str, reason: str, *, restarts: int = 0, last: dict[str, Any] | None = None) -> dict[str, Any]:
    """A waiting container status (CrashLoopBackOff, ImagePullBackOff, ContainerCreating...)."""
    return {
        "name": name,
        "ready": False,
        "started": False,
        "restartCount": restarts,
        "image": f"registry.example.com/{name}:1.4.2",
        "state": {"waiting": {"reason": reason, "message": f"{reason} for {name}"}},
        "lastState": {"terminated": last} if last else {},
    }


def terminated(name: str, *, exit_code: int, reason: str | None = None, signal: int | None = None) -> dict[str, Any]:
    """A terminated container status."""
    state: dict[str, Any] = {"exitCode": exit_code, "finishedAt": ago(minutes=3), "startedAt": ago(minutes=4)}
    if reason:
        state["reason"] = reason
    if signal:
        state["signal"] = signal
    return {
        "name": name,
        "ready": False,
        "started": False,
        "restartCount": 0,
        "image": f"registry.example.com/{name}:1.4.2",
        "state": {"terminated": state},
        "lastState": {},
    }


def last_terminated(reason: str, exit_code: int, *, minutes_ago: float) -> dict[str, Any]:
    """A ``lastState.terminated`` record."""
    return {
        "reason": reason,
        "exitCode": exit_code,
        "startedAt": ago(minutes=minutes_ago + 1),
        "finishedAt": ago(minutes=minutes_ago),
    }


def managed_fields() -> list[dict[str, Any]]:
    """A realistic managedFields block, the biggest noise in a raw object."""
    return [
        {
            "manager": "kubectl-client-side-apply",
            "operation": "Update",
            "apiVersion": "apps/v1",
            "time": ago(days=3),
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}}}
            },
        },
        {
            "manager": "kube-controller-manager",
            "operation": "Update",
            "apiVersion": "apps/v1",
            "time": ago(hours=2),
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:status": {"f:availableReplicas": {}, "f:conditions": {}, "f:readyReplicas": {}}},
            "subresource": "status",
        },
    ]


def deployment(
    name: str = "web",
    *,
    namespace: str = "default",
    replicas: int = 3,
    ready: int = 3,
    updated: int | None = None,
    available: int | None = None,
    env_count: int = 2,
) -> dict[str, Any]:
    """An apps/v1 Deployment with the fields the API server fills in."""
    env = [{"name": f"SETTING_{i}", "value": f"value-{i}"} for i in range(env_count)]
    probe = {
        "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
        "failureThreshold": 3,
        "successThreshold": 1,
        "periodSeconds": 10,
        "timeoutSeconds": 1,
        "initialDelaySeconds": 5,
    }
    manifest = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": "9d6c1f0e-2b3a-4c5d-8e9f-0a1b2c3d4e5f",
            "resourceVersion": "51234",
            "generation": 4,
            "creationTimestamp": ago(days=3, hours=4),
            "labels": {"app": name},
            "annotations": {
                "deployment.kubernetes.io/revision": "4",
                "kubectl.kubernetes.io/last-applied-configuration": json.dumps(manifest),
                "team": "storefront",
            },
            "managedFields": managed_fields(),
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "progressDeadlineSeconds": 600,
            "revisionHistoryLimit": 10,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {
                "metadata": {"creationTimestamp": None, "labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": name,
                            "image": f"registry.example.com/{name}:1.4.2",
                            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                            "env": env,
                            "readinessProbe": dict(probe),
                            "livenessProbe": dict(probe),
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File",
                            "imagePullPolicy": "IfNotPresent",
                        }
                    ],
                    "dnsPolicy": "ClusterFirst",
                    "restartPolicy": "Always",
                    "schedulerName": "default-scheduler",
                    "securityContext": {},
                    "terminationGracePeriodSeconds": 30,
                },
            },
        },
        "status": {
            "observedGeneration": 4,
            "replicas": replicas,
            "updatedReplicas": replicas if updated is None else updated,
            "readyReplicas": ready,
            "availableReplicas": ready if available is None else available,
            "unavailableReplicas": max(replicas - ready, 0),
            "conditions": [
                {
                    "type": "Available",
                    "status": "True" if ready >= replicas else "False",
                    "reason": "MinimumReplicasAvailable",
                    "message": "Deployment has minimum availability.",
                    "lastUpdateTime": ago(hours=2),
                    "lastTransitionTime": ago(hours=2),
                },
                {
                    "type": "Progressing",
                    "status": "True",
                    "reason": "NewReplicaSetAvailable",
                    "message": f'ReplicaSet "{name}-7d9f8b6c5" has successfully progressed.',
                    "lastUpdateTime": ago(hours=2),
                    "lastTransitionTime": ago(days=3),
                },
            ],
        },
    }


def event(
    reason: str,
    message: str,
    *,
    kind: str = "Pod",
    name: str = "web-7d9f8b6c5-x2k4p",
    type_: str = "Normal",
    last_seen_minutes: float = 1,
    first_seen_minutes: float | None = None,
    count: int = 1,
    namespace: str = "default",
) -> dict[str, Any]:
    """A core/v1 Event."""
    first = first_seen_minutes if first_seen_minutes is not None else last_seen_minutes
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{name}.{reason.lower()}{int(last_seen_minutes * 60)}",
            "namespace": namespace,
            "uid": "e1e2e3e4-0000-4000-8000-000000000001",
            "resourceVersion": "777",
            "creationTimestamp": ago(minutes=first),
        },
        "involvedObject": {
            "kind": kind,
            "name": name,
            "namespace": namespace,
            "apiVersion": "v1",
            "uid": "5f0c8a52-8f55-4d1e-9a3e-2f4a7e1d9b01",
            "resourceVersion": "48213",
            "fieldPath": "spec.containers{app}" if kind == "Pod" else "",
        },
        "reason": reason,
        "message": message,
        "source": {"component": "kubelet", "host": "worker-1"},
        "firstTimestamp": ago(minutes=first),
        "lastTimestamp": ago(minutes=last_seen_minutes),
        "count": count,
        "type": type_,
        "eventTime": None,
        "reportingComponent": "kubelet",
        "reportingInstance": "worker-1",
    }


def node(name: str, *, ready: bool = True, roles: tuple[str, ...] = (), cordoned: bool = False) -> dict[str, Any]:
    """A Node with conditions, addresses, capacity and system info."""
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
    labels.update({f"node-role.kubernetes.io/{role}": "" for role in roles})
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels, "creationTimestamp": ago(days=40), "uid": "n-1"},
        "spec": {"podCIDR": "10.244.1.0/24", **({"unschedulable": True} if cordoned else {})},
        "status": {
            "conditions": [
                {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
                {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure"},
                {
                    "type": "Ready",
                    "status": "True" if ready else "Unknown",
                    "reason": "KubeletReady" if ready else "NodeStatusUnknown",
                    "message": "kubelet is posting ready status" if ready else "Kubelet stopped posting node status.",
                    "lastHeartbeatTime": ago(seconds=30),
                    "lastTransitionTime": ago(days=40),
                },
            ],
            "addresses": [{"type": "InternalIP", "address": "10.0.0.11"}, {"type": "Hostname", "address": name}],
            "capacity": {"cpu": "4", "memory": "16318480Ki", "pods": "110"},
            "allocatable": {"cpu": "3800m", "memory": "15167504Ki", "pods": "110"},
            "nodeInfo": {
                "kubeletVersion": "v1.34.2",
                "osImage": "Ubuntu 24.04.1 LTS",
                "kernelVersion": "6.8.0-48-generic",
                "containerRuntimeVersion": "containerd://2.0.1",
                "architecture": "amd64",
                "operatingSystem": "linux",
            },
            "images": [{"names": ["registry.example.com/web:1.4.2"], "sizeBytes": 51234567}],
        },
    }


SECRET_VALUES = ("c3VwZXItc2VjcmV0LXBhc3N3b3Jk", "plain-text-api-key-123", "ZXlKaGJHY2lPaUpTVXpJMU5pSjkuZXlK")


def secret(name: str = "db-credentials") -> dict[str, Any]:
    """An Opaque Secret whose values, and last-applied annotation, must never be shown."""
    manifest = {"apiVersion": "v1", "kind": "Secret", "stringData": {"api-key": SECRET_VALUES[1]}}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": name,
            "namespace": "default",
            "creationTimestamp": ago(days=10),
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(manifest)},
            "managedFields": managed_fields(),
        },
        "data": {"password": SECRET_VALUES[0]},
        "stringData": {"api-key": SECRET_VALUES[1]},
    }


def service_account_token() -> dict[str, Any]:
    """A legacy service-account token Secret."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/service-account-token",
        "metadata": {
            "name": "builder-token",
            "namespace": "ci",
            "creationTimestamp": ago(days=1),
            "annotations": {
                "kubernetes.io/service-account.name": "builder",
                "kubernetes.io/service-account.uid": "3c2b1a00-aaaa-bbbb-cccc-ddddeeeeffff",
            },
        },
        "data": {"token": SECRET_VALUES[2], "ca.crt": "LS0tLS1CRUdJTi", "namespace": "Y2k="},
    }


def certificate(name: str, *, ready: bool, reason: str) -> dict[str, Any]:
    """A cert-manager Certificate: a custom resource with a Ready condition."""
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": name, "namespace": "default", "creationTimestamp": ago(days=2)},
        "spec": {"secretName": f"{name}-tls", "dnsNames": [f"{name}.example.com"]},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "reason": reason,
                    "message": "Certificate is up to date and has not expired" if ready else "Issuing certificate",
                    "lastTransitionTime": ago(days=1),
                }
            ]
        },
    }


def service(name: str = "web", *, type_: str = "ClusterIP") -> dict[str, Any]:
    """A Service selecting ``app=<name>``."""
    spec: dict[str, Any] = {
        "type": type_,
        "clusterIP": "10.96.12.34",
        "clusterIPs": ["10.96.12.34"],
        "selector": {"app": name},
        "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
    }
    status: dict[str, Any] = {"loadBalancer": {}}
    if type_ == "LoadBalancer":
        spec["ports"][0]["nodePort"] = 31080
        status = {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default", "creationTimestamp": ago(days=3)},
        "spec": spec,
        "status": status,
    }


def pods_in_many_states() -> list[dict[str, Any]]:
    """One pod per STATUS that kubectl can print, with what it should print."""
    return [
        pod("web-7d9f8b6c5-x2k4p"),
        pod(
            "api-6b8d9c7f4-q7w2e",
            containers=[
                waiting("api", "CrashLoopBackOff", restarts=5, last=last_terminated("Error", 1, minutes_ago=12))
            ],
        ),
        pod("worker-5c6d7e8f9-abcde", phase="Pending", containers=[waiting("worker", "ImagePullBackOff")]),
        pod("batch-1-zz9yy", phase="Succeeded", containers=[terminated("batch", exit_code=0, reason="Completed")]),
        pod(
            "cache-0",
            containers=[
                running("cache", restarts=3, last=last_terminated("OOMKilled", 137, minutes_ago=5)),
            ],
        ),
    ]


APPS = ("web", "checkout-api", "cart", "payments-worker", "search-indexer", "notifications", "auth", "catalog")
NODES = ("node-pool-a-7x2k9", "node-pool-a-p4m8q", "node-pool-b-c3v6n", "node-pool-b-z9w1r")
SUFFIX_LETTERS = "bcdfghjklmnpqrstvwxz2456789"


def generated_pods(count: int, *, node_names: tuple[str, ...] = NODES) -> list[dict[str, Any]]:
    """``count`` deployment pods with realistic names, mostly healthy, some restarting or failing."""
    pods = []
    for index in range(count):
        app = APPS[index % len(APPS)]
        suffix = "".join(SUFFIX_LETTERS[(index * 7 + shift * 11) % len(SUFFIX_LETTERS)] for shift in range(5))
        name = f"{app}-{6 + index % 3}b8d9c7f{index % 10}-{suffix}"
        node_name = node_names[index % len(node_names)]
        created = ago(days=index % 30, hours=index % 24, minutes=index % 60)
        if index % 25 == 3:
            containers = [
                waiting(app, "CrashLoopBackOff", restarts=12, last=last_terminated("Error", 1, minutes_ago=4))
            ]
        elif index % 40 == 7:
            containers = [waiting(app, "ContainerCreating")]
        elif index % 10 == 5:
            containers = [running(app, restarts=2, last=last_terminated("OOMKilled", 137, minutes_ago=90))]
        else:
            containers = [running(app)]
        pods.append(pod(name, namespace="shop", node=node_name, created=created, containers=containers))
    return pods
