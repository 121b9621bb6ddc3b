"""Realistic, deterministic cluster contents: nodes, namespaces and workloads with exactly N pods,
including the unhealthy cases tools must report (CrashLoopBackOff, Pending, Completed)."""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .objects import reseed_names

if TYPE_CHECKING:
    from .cluster import FakeCluster

NAMESPACE_NAMES = [
    "payments",
    "checkout",
    "catalog",
    "search",
    "identity",
    "notifications",
    "analytics",
    "storefront",
    "shipping",
    "inventory",
    "billing",
    "recommendations",
]
# (name, image, port, tier)
APPS = [
    ("api", "ghcr.io/acme/api:2.14.1", 8080, "backend"),
    ("web", "nginx:1.27.3", 80, "frontend"),
    ("worker", "ghcr.io/acme/worker:2.14.1", 9090, "backend"),
    ("gateway", "envoyproxy/envoy:v1.32.3", 8443, "edge"),
    ("cache", "redis:7.4.2", 6379, "cache"),
    ("auth", "ghcr.io/acme/auth:1.9.0", 8080, "backend"),
    ("scheduler", "ghcr.io/acme/scheduler:0.8.2", 8081, "backend"),
    ("ui", "ghcr.io/acme/ui:5.2.0", 3000, "frontend"),
    ("events", "ghcr.io/acme/events:1.3.7", 8080, "backend"),
    ("metrics-exporter", "prom/statsd-exporter:v0.28.0", 9102, "monitoring"),
]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class _Seeder:
    def __init__(self, cluster: FakeCluster, seed: int) -> None:
        self.cluster = cluster
        self.random = random.Random(seed)
        self.now = datetime.now(UTC).replace(microsecond=0)

    def ago(self, low_hours: float, high_hours: float) -> str:
        return _stamp(self.now - timedelta(hours=self.random.uniform(low_hours, high_hours)))

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        return self.cluster.add_object(obj)

    # -- infrastructure ------------------------------------------------------------------------------

    def nodes(self, count: int) -> list[str]:
        names = []
        for index in range(count):
            name = "control-plane-1" if index == 0 and count > 1 else f"worker-{index if count > 1 else 1}"
            zone = f"eu-west-1{'abc'[index % 3]}"
            labels = {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "beta.kubernetes.io/arch": "amd64",
                "topology.kubernetes.io/zone": zone,
                "topology.kubernetes.io/region": "eu-west-1",
                "node.kubernetes.io/instance-type": "m6i.2xlarge",
            }
            spec: dict[str, Any] = {
                "podCIDR": f"10.244.{index}.0/24",
                "podCIDRs": [f"10.244.{index}.0/24"],
                "providerID": f"aws:///{zone}/i-0{self.random.getrandbits(60):015x}",
            }
            if name.startswith("control-plane"):
                labels["node-role.kubernetes.io/control-plane"] = ""
                spec["taints"] = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
            created = self.ago(24 * 30, 24 * 60)
            conditions = [
                (kind, "False", reason, message)
                for kind, reason, message in (
                    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                )
            ]
            conditions.append(("Ready", "True", "KubeletReady", "kubelet is posting ready status"))
            heartbeat = _stamp(self.now - timedelta(seconds=self.random.randint(5, 40)))
            self.add(
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {
                        "name": name,
                        "labels": labels,
                        "creationTimestamp": created,
                        "annotations": {
                            "node.alpha.kubernetes.io/ttl": "0",
                            "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                        },
                    },
                    "spec": spec,
                    "status": {
                        "capacity": {
                            "cpu": "8",
                            "memory": "32386544Ki",
                            "pods": "110",
                            "ephemeral-storage": "104845292Ki",
                            "hugepages-2Mi": "0",
                        },
                        "allocatable": {
                            "cpu": "7910m",
                            "memory": "31371760Ki",
                            "pods": "110",
                            "ephemeral-storage": "96625420711",
                            "hugepages-2Mi": "0",
                        },
                        "conditions": [
                            {
                                "type": kind,
                                "status": status,
                                "lastHeartbeatTime": heartbeat,
                                "lastTransitionTime": created,
                                "reason": reason,
                                "message": message,
                            }
                            for kind, status, reason, message in conditions
                        ],
                        "addresses": [
                            {"type": "InternalIP", "address": f"10.0.{index // 250}.{index % 250 + 10}"},
                            {"type": "Hostname", "address": name},
                        ],
                        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                        "nodeInfo": {
                            "machineID": f"{self.random.getrandbits(128):032x}",
                            "systemUUID": f"ec2{self.random.getrandbits(116):029x}",
                            "bootID": f"{self.random.getrandbits(128):032x}",
                            "kernelVersion": "6.8.0-1021-aws",
                            "osImage": "Ubuntu 24.04.1 LTS",
                            "containerRuntimeVersion": "containerd://1.7.24",
                            "kubeletVersion": "v1.32.4",
                            "kubeProxyVersion": "v1.32.4",
                            "operatingSystem": "linux",
                            "architecture": "amd64",
                        },
                        "images": [{"names": ["registry.k8s.io/kube-proxy:v1.32.4"], "sizeBytes": 30876126}],
                    },
                }
            )
            names.append(name)
        return names

    def namespaces(self, count: int) -> list[str]:
        names = []
        for index in range(count):
            base = NAMESPACE_NAMES[index % len(NAMESPACE_NAMES)]
            name = base if index < len(NAMESPACE_NAMES) else f"{base}-{index // len(NAMESPACE_NAMES) + 1}"
            self.add(
                {
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {
                        "name": name,
                        "creationTimestamp": self.ago(24 * 20, 24 * 30),
                        "labels": {"team": base, "environment": "production"},
                    },
                }
            )
            self.add({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": name}})
            names.append(name)
        return names

    # -- workloads -----------------------------------------------------------------------------------

    def container(self, name: str, image: str, port: int, namespace: str) -> dict[str, Any]:
        cpu = self.random.choice([50, 100, 250, 500])
        memory = self.random.choice([64, 128, 256, 512])
        probe = {
            "httpGet": {"path": "/healthz", "port": port, "scheme": "HTTP"},
            "periodSeconds": 10,
            "timeoutSeconds": 1,
            "successThreshold": 1,
            "failureThreshold": 3,
        }
        return {
            "name": name,
            "image": image,
            "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
            "env": [
                {"name": "LOG_LEVEL", "value": self.random.choice(["info", "debug", "warn"])},
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                {
                    "name": "DATABASE_PASSWORD",
                    "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}},
                },
            ],
            "resources": {
                "requests": {"cpu": f"{cpu}m", "memory": f"{memory}Mi"},
                "limits": {"cpu": f"{cpu * 2}m", "memory": f"{memory * 2}Mi"},
            },
            "livenessProbe": {**probe, "initialDelaySeconds": 10},
            "readinessProbe": {**probe, "initialDelaySeconds": 5},
            "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": True}],
        }

    def pod_template(self, app: str, image: str, port: int, tier: str, namespace: str) -> dict[str, Any]:
        return {
            "metadata": {
                "labels": {"app": app, "tier": tier},
                "annotations": {"prometheus.io/scrape": "true", "prometheus.io/port": str(port)},
            },
            "spec": {
                "serviceAccountName": app,
                "containers": [self.container(app, image, port, namespace)],
                "volumes": [{"name": "config", "configMap": {"name": f"{app}-config", "defaultMode": 420}}],
            },
        }

    def supporting_objects(self, app: str, port: int, tier: str, namespace: str, created: str) -> None:
        labels = {"app": app, "tier": tier}
        self.add(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": app, "namespace": namespace, "labels": labels, "creationTimestamp": created},
            }
        )
        self.add(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": f"{app}-config",
                    "namespace": namespace,
                    "labels": labels,
                    "creationTimestamp": created,
                },
                "data": {
                    "app.yaml": f"server:\n  port: {port}\nlogging:\n  level: info\n",
                    "FEATURE_FLAGS": "new-checkout=false,fast-search=true",
                },
            }
        )
        self.add(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": app, "namespace": namespace, "labels": labels, "creationTimestamp": created},
                "spec": {
                    "selector": {"app": app},
                    "ports": [
                        {"name": "http", "port": 80 if port != 6379 else port, "targetPort": port, "protocol": "TCP"}
                    ],
                },
            }
        )

    def deployment(self, namespace: str, app: str, image: str, port: int, tier: str, replicas: int) -> dict[str, Any]:
        created = self.ago(24 * 2, 24 * 14)
        self.supporting_objects(app, port, tier, namespace, created)
        return self.add(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {
                    "name": app,
                    "namespace": namespace,
                    "labels": {"app": app, "tier": tier},
                    "creationTimestamp": created,
                    "annotations": {"kubernetes.io/change-cause": f"deploy {image}"},
                },
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": {"app": app}},
                    "template": self.pod_template(app, image, port, tier, namespace),
                },
            }
        )

    def statefulset(self, namespace: str, replicas: int) -> None:
        created = self.ago(24 * 10, 24 * 20)
        self.add(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": "postgres",
                    "namespace": namespace,
                    "labels": {"app": "postgres"},
                    "creationTimestamp": created,
                },
                "spec": {
                    "clusterIP": "None",
                    "selector": {"app": "postgres"},
                    "ports": [{"name": "postgres", "port": 5432, "targetPort": 5432}],
                },
            }
        )
        for ordinal in range(replicas):
            self.add(
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {
                        "name": f"data-postgres-{ordinal}",
                        "namespace": namespace,
                        "labels": {"app": "postgres"},
                        "creationTimestamp": created,
                    },
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "storageClassName": "standard",
                        "resources": {"requests": {"storage": "20Gi"}},
                        "volumeMode": "Filesystem",
                        "volumeName": f"pvc-{self.random.getrandbits(64):016x}",
                    },
                    "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "20Gi"}},
                }
            )
        container = {
            "name": "postgres",
            "image": "postgres:16.6",
            "ports": [{"name": "postgres", "containerPort": 5432}],
            "env": [
                {
                    "name": "POSTGRES_PASSWORD",
                    "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}},
                }
            ],
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
            "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
            "readinessProbe": {"exec": {"command": ["pg_isready", "-U", "postgres"]}, "periodSeconds": 10},
        }
        self.add(
            {
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "metadata": {
                    "name": "postgres",
                    "namespace": namespace,
                    "labels": {"app": "postgres"},
                    "creationTimestamp": created,
                },
                "spec": {
                    "replicas": replicas,
                    "serviceName": "postgres",
                    "selector": {"matchLabels": {"app": "postgres"}},
                    "template": {"metadata": {"labels": {"app": "postgres"}}, "spec": {"containers": [container]}},
                    "volumeClaimTemplates": [
                        {
                            "metadata": {"name": "data"},
                            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}}},
                        }
                    ],
                },
            }
        )

    def daemonset(self) -> None:
        self.add(
            {
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "metadata": {
                    "name": "kube-proxy",
                    "namespace": "kube-system",
                    "labels": {"k8s-app": "kube-proxy"},
                    "creationTimestamp": self.ago(24 * 30, 24 * 40),
                },
                "spec": {
                    "selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                    "template": {
                        "metadata": {"labels": {"k8s-app": "kube-proxy"}},
                        "spec": {
                            "hostNetwork": True,
                            "priorityClassName": "system-node-critical",
                            "tolerations": [{"operator": "Exists"}],
                            "containers": [
                                {
                                    "name": "kube-proxy",
                                    "image": "registry.k8s.io/kube-proxy:v1.32.4",
                                    "command": [
                                        "/usr/local/bin/kube-proxy",
                                        "--config=/var/lib/kube-proxy/config.conf",
                                    ],
                                    "securityContext": {"privileged": True},
                                }
                            ],
                        },
                    },
                },
            }
        )

    def job(self, namespace: str) -> None:
        created = self.ago(1, 6)
        template = {
            "spec": {
                "restartPolicy": "Never",
                "containers": [
                    {"name": "migrate", "image": "ghcr.io/acme/migrations:2.14.1", "command": ["/app/migrate", "up"]}
                ],
            }
        }
        self.add(
            {
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "metadata": {
                    "name": "nightly-report",
                    "namespace": namespace,
                    "creationTimestamp": self.ago(24 * 5, 24 * 9),
                },
                "spec": {
                    "schedule": "0 2 * * *",
                    "concurrencyPolicy": "Forbid",
                    "suspend": False,
                    "successfulJobsHistoryLimit": 3,
                    "failedJobsHistoryLimit": 1,
                    "jobTemplate": {
                        "spec": {
                            "template": {
                                "spec": {
                                    "restartPolicy": "OnFailure",
                                    "containers": [{"name": "report", "image": "ghcr.io/acme/report:1.0.4"}],
                                }
                            }
                        }
                    },
                },
                "status": {"lastScheduleTime": self.ago(2, 20)},
            }
        )
        self.add(
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {
                    "name": "db-migrate",
                    "namespace": namespace,
                    "labels": {"app": "db-migrate"},
                    "creationTimestamp": created,
                },
                "spec": {"completions": 1, "template": template},
            }
        )

    def namespace_extras(self, namespace: str, apps: list[str]) -> None:
        created = self.ago(24 * 5, 24 * 20)
        encode = lambda text: base64.b64encode(text.encode()).decode()  # noqa: E731
        self.add(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "db-credentials", "namespace": namespace, "creationTimestamp": created},
                "type": "Opaque",
                "data": {
                    "username": encode("app"),
                    "password": encode(f"s3cret-{self.random.getrandbits(32):08x}"),
                    "url": encode(f"postgres://app@postgres.{namespace}:5432/app"),
                },
            }
        )
        self.add(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": f"{namespace}-tls", "namespace": namespace, "creationTimestamp": created},
                "type": "kubernetes.io/tls",
                "data": {
                    "tls.crt": encode("-----BEGIN CERTIFICATE-----\nMIIB...\n"),
                    "tls.key": encode("-----BEGIN PRIVATE KEY-----\nMIIE...\n"),
                },
            }
        )
        if apps:
            self.add(
                {
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "Ingress",
                    "metadata": {
                        "name": namespace,
                        "namespace": namespace,
                        "creationTimestamp": created,
                        "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"},
                    },
                    "spec": {
                        "ingressClassName": "nginx",
                        "tls": [{"hosts": [f"{namespace}.example.com"], "secretName": f"{namespace}-tls"}],
                        "rules": [
                            {
                                "host": f"{namespace}.example.com",
                                "http": {
                                    "paths": [
                                        {
                                            "path": "/",
                                            "pathType": "Prefix",
                                            "backend": {"service": {"name": apps[0], "port": {"number": 80}}},
                                        }
                                    ]
                                },
                            }
                        ],
                    },
                    "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}},
                }
            )

    def backdate(self) -> None:
        """Controller-made objects were created just now; date them from their owners, as if they had been
        running since their workload was created."""
        store = self.cluster.store
        created: dict[str, datetime] = {}
        for group, resource in (("apps", "replicasets"), ("", "pods")):
            for obj in store.items(group, resource):
                owners = obj["metadata"].get("ownerReferences") or []
                owner = created.get(owners[0]["uid"]) if owners else None
                if owner is None and owners:
                    found = next(
                        (o for g, r, o in store.all_objects() if o["metadata"]["uid"] == owners[0]["uid"]), None
                    )
                    owner = _parse(found["metadata"]["creationTimestamp"]) if found else None
                if owner is None:
                    continue
                moment = owner + timedelta(seconds=self.random.randint(1, 90))
                created[obj["metadata"]["uid"]] = moment
                stamp = _stamp(moment)
                text = json.dumps(obj).replace(obj["metadata"]["creationTimestamp"], stamp)
                store.put(group, resource, json.loads(text), "MODIFIED")

    # -- health ------------------------------------------------------------------------------------

    def crash(self, pod: dict[str, Any]) -> None:
        restarts = self.random.randint(4, 40)
        finished = _stamp(self.now - timedelta(seconds=self.random.randint(30, 280)))
        status = dict(pod["status"])
        status["containerStatuses"] = [
            {
                **container,
                "ready": False,
                "started": False,
                "restartCount": restarts,
                "state": {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": f"back-off 5m0s restarting failed container={container['name']} pod={pod['metadata']['name']}"
                        f"_{pod['metadata']['namespace']}({pod['metadata']['uid']})",
                    }
                },
                "lastState": {
                    "terminated": {
                        "exitCode": 1,
                        "reason": "Error",
                        "startedAt": finished,
                        "finishedAt": finished,
                        "containerID": container.get("containerID", ""),
                    }
                },
            }
            for container in status.get("containerStatuses") or []
        ]
        status["conditions"] = [
            dict(
                c,
                status="False",
                reason="ContainersNotReady",
                message=f"containers with unready status: [{pod['spec']['containers'][0]['name']}]",
            )
            if c["type"] in ("Ready", "ContainersReady")
            else c
            for c in status["conditions"]
        ]
        self.add({**pod, "status": status})
        self.event(
            pod,
            "Warning",
            "BackOff",
            "Back-off restarting failed container "
            f"{pod['spec']['containers'][0]['name']} in pod {pod['metadata']['name']}_"
            f"{pod['metadata']['namespace']}({pod['metadata']['uid']})",
            "kubelet",
            restarts * 3,
            field_path=f"spec.containers{{{pod['spec']['containers'][0]['name']}}}",
        )

    def make_pending(self, pod: dict[str, Any], node_count: int) -> None:
        spec = dict(pod["spec"])
        spec.pop("nodeName", None)
        stamp = _stamp(self.now - timedelta(minutes=12))
        self.add(
            {
                **pod,
                "spec": spec,
                "status": {
                    "phase": "Pending",
                    "qosClass": "Burstable",
                    "conditions": [
                        {
                            "type": "PodScheduled",
                            "status": "False",
                            "lastProbeTime": None,
                            "lastTransitionTime": stamp,
                            "reason": "Unschedulable",
                            "message": f"0/{node_count} nodes are available: {node_count} Insufficient memory. "
                            f"preemption: 0/{node_count} nodes are available: {node_count} No preemption "
                            "victims found for incoming pod.",
                        }
                    ],
                },
            }
        )
        self.event(
            pod,
            "Warning",
            "FailedScheduling",
            f"0/{node_count} nodes are available: {node_count} Insufficient memory.",
            "default-scheduler",
            7,
            action="Scheduling",
        )

    def event(
        self,
        obj: dict[str, Any],
        kind: str,
        reason: str,
        message: str,
        component: str,
        count: int,
        field_path: str = "",
        action: str = "",
        at: datetime | None = None,
    ) -> None:
        """An event from the legacy recorder; with `action`, from the events.k8s.io one (the scheduler's).
        Seen once `at` that moment, else first and last seen at random times of the last hours."""
        metadata = obj["metadata"]
        if at is not None:
            first = last = at
        else:
            first = self.now - timedelta(minutes=self.random.randint(20, 600))
            last = self.now - timedelta(seconds=self.random.randint(5, 600))
        involved = {
            "kind": obj["kind"],
            "namespace": metadata.get("namespace"),
            "name": metadata["name"],
            "uid": metadata["uid"],
            "apiVersion": obj["apiVersion"],
            "resourceVersion": metadata.get("resourceVersion", ""),
        }
        if field_path:
            involved["fieldPath"] = field_path
        host = (obj.get("spec") or {}).get("nodeName")
        event: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": f"{metadata['name']}.{self.random.getrandbits(64):016x}"[:253],
                "namespace": metadata.get("namespace") or "default",
                "creationTimestamp": _stamp(first),
            },
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "type": kind,
        }
        if action:
            event.update(
                {
                    "source": {},
                    "firstTimestamp": None,
                    "lastTimestamp": None,
                    "eventTime": first.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    "action": action,
                    "reportingComponent": component,
                    "reportingInstance": f"{component}-control-plane",
                }
            )
            if count > 1:
                event["series"] = {
                    "count": count,
                    "lastObservedTime": max(first, last).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                }
        else:
            event.update(
                {
                    "count": count,
                    "firstTimestamp": _stamp(first),
                    "lastTimestamp": _stamp(max(first, last)),
                    "source": {"component": component, **({"host": host} if host and component == "kubelet" else {})},
                    "reportingComponent": component,
                    "reportingInstance": host or "",
                    "eventTime": None,
                }
            )
        self.add(event)


def seed_cluster(cluster: FakeCluster, pods: int = 50, namespaces: int = 3, nodes: int = 3, seed: int = 7) -> None:
    """Add `nodes` nodes, `namespaces` namespaces and workloads totalling exactly `pods` pods."""
    reseed_names(seed)
    seeder = _Seeder(cluster, seed)
    node_names = seeder.nodes(nodes)
    namespace_names = seeder.namespaces(max(1, namespaces))
    cluster.add_object(
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "ebs.csi.aws.com",
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer",
            "allowVolumeExpansion": True,
        }
    )
    remaining = pods
    schedulable = sum(1 for name in node_names if not name.startswith("control-plane")) or len(node_names)
    if remaining >= schedulable + 12:
        seeder.daemonset()
        remaining -= len([n for n in cluster.list_objects("pods", "kube-system")])
        seeder.deployment("kube-system", "coredns", "registry.k8s.io/coredns/coredns:v1.11.3", 53, "dns", 2)
        remaining -= 2
    first = namespace_names[0]
    if remaining >= 10:
        seeder.job(first)
        remaining -= 1
    if remaining >= 20:
        seeder.statefulset(first, 3)
        remaining -= 3
    deployments: list[dict[str, Any]] = []
    per_namespace: dict[str, list[str]] = {name: [] for name in namespace_names}
    index = 0
    while remaining > 0:
        namespace = namespace_names[index % len(namespace_names)]
        app, image, port, tier = APPS[(index // len(namespace_names)) % len(APPS)]
        round_number = index // (len(namespace_names) * len(APPS))
        name = app if round_number == 0 else f"{app}-{round_number + 1}"
        replicas = min(remaining, seeder.random.randint(1, 4))
        deployments.append(seeder.deployment(namespace, name, image, port, tier, replicas))
        per_namespace[namespace].append(name)
        remaining -= replicas
        index += 1
    for namespace, apps in per_namespace.items():
        seeder.namespace_extras(namespace, apps)
    seeder.backdate()
    app_pods = [
        pod
        for deployment in deployments
        for pod in cluster.list_objects("pods", deployment["metadata"]["namespace"])
        if pod["metadata"].get("labels", {}).get("app") == deployment["metadata"]["name"]
    ]
    if len(app_pods) >= 3:
        for pod in seeder.random.sample(app_pods, max(1, len(app_pods) // 40)):
            seeder.crash(pod)
        latest = [cluster.get_object("pods", pod["metadata"]["namespace"], pod["metadata"]["name"]) for pod in app_pods]
        healthy = [
            pod
            for pod in latest
            if pod is not None
            and pod["status"]["phase"] == "Running"
            and pod["status"]["containerStatuses"][0]["restartCount"] == 0
        ]
        seeder.make_pending(seeder.random.choice(healthy), len(node_names))
    for deployment in deployments[:40]:
        seeder.event(
            deployment,
            "Normal",
            "ScalingReplicaSet",
            f"Scaled up replica set {deployment['metadata']['name']} to {deployment['spec']['replicas']}",
            "deployment-controller",
            1,
        )
    for pod in app_pods[:60]:
        current = cluster.get_object("pods", pod["metadata"]["namespace"], pod["metadata"]["name"])
        if current is None or current["status"]["phase"] != "Running":
            continue
        # A pod's life in order: bound when created, its image found and its container started seconds later.
        born = datetime.strptime(current["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        seeder.event(
            current,
            "Normal",
            "Scheduled",
            f"Successfully assigned {pod['metadata']['namespace']}/"
            f"{pod['metadata']['name']} to {current['spec'].get('nodeName')}",
            "default-scheduler",
            1,
            action="Binding",
            at=born,
        )
        seeder.event(
            current,
            "Normal",
            "Pulled",
            f'Container image "{current["spec"]["containers"][0]["image"]}" already present on machine',
            "kubelet",
            1,
            "spec.containers{" + current["spec"]["containers"][0]["name"] + "}",
            at=born + timedelta(seconds=1),
        )
        seeder.event(
            current,
            "Normal",
            "Created",
            f"Created container: {current['spec']['containers'][0]['name']}",
            "kubelet",
            1,
            "spec.containers{" + current["spec"]["containers"][0]["name"] + "}",
            at=born + timedelta(seconds=2),
        )
        seeder.event(
            current,
            "Normal",
            "Started",
            f"Started container {current['spec']['containers'][0]['name']}",
            "kubelet",
            1,
            "spec.containers{" + current["spec"]["containers"][0]["name"] + "}",
            at=born + timedelta(seconds=2),
        )
