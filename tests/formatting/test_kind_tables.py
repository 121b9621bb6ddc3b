"""Every kind with kubectl columns renders its kubectl header and one sensible row."""

from __future__ import annotations

from typing import Any
from unittest import TestCase

from k8stools.formatting.tables import render_table
from tests.formatting.fixtures import NOW, ago


def meta(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "creationTimestamp": ago(days=2), **extra}


CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "StatefulSet",
        {"metadata": meta("db"), "spec": {"replicas": 3}, "status": {"readyReplicas": 2}},
        "NAME  READY  AGE",
        "db    2/3    2d",
    ),
    (
        "ReplicaSet",
        {"metadata": meta("web-7d9f"), "spec": {"replicas": 3}, "status": {"replicas": 3, "readyReplicas": 3}},
        "NAME      DESIRED  CURRENT  READY  AGE",
        "web-7d9f  3        3        3      2d",
    ),
    (
        "DaemonSet",
        {
            "metadata": meta("agent"),
            "spec": {"template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"}}}},
            "status": {
                "desiredNumberScheduled": 4,
                "currentNumberScheduled": 4,
                "numberReady": 4,
                "updatedNumberScheduled": 4,
                "numberAvailable": 4,
            },
        },
        "NAME   DESIRED  CURRENT  READY  UP-TO-DATE  AVAILABLE  NODE SELECTOR           AGE",
        "agent  4        4        4      4           4          kubernetes.io/os=linux  2d",
    ),
    (
        "Ingress",
        {
            "metadata": meta("shop"),
            "spec": {
                "ingressClassName": "nginx",
                "rules": [{"host": "shop.example.com"}, {"host": "api.example.com"}],
                "tls": [{"hosts": ["shop.example.com"]}],
            },
            "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}},
        },
        "NAME  CLASS  HOSTS                             ADDRESS      PORTS    AGE",
        "shop  nginx  shop.example.com,api.example.com  203.0.113.7  80, 443  2d",
    ),
    (
        "Endpoints",
        {
            "metadata": meta("web"),
            "subsets": [
                {
                    "addresses": [{"ip": f"10.244.0.{i}"} for i in range(1, 6)],
                    "ports": [{"port": 8080, "protocol": "TCP"}],
                }
            ],
        },
        "NAME  ENDPOINTS                                                    AGE",
        "web   10.244.0.1:8080,10.244.0.2:8080,10.244.0.3:8080 + 2 more...  2d",
    ),
    (
        "NetworkPolicy",
        {"metadata": meta("deny"), "spec": {"podSelector": {}}},
        "NAME  POD-SELECTOR  AGE",
        "deny  <none>        2d",
    ),
    (
        "HorizontalPodAutoscaler",
        {
            "metadata": meta("web"),
            "spec": {
                "scaleTargetRef": {"kind": "Deployment", "name": "web"},
                "minReplicas": 2,
                "maxReplicas": 10,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
                    }
                ],
            },
            "status": {
                "currentReplicas": 3,
                "currentMetrics": [
                    {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45}}}
                ],
            },
        },
        "NAME  REFERENCE       TARGETS       MINPODS  MAXPODS  REPLICAS  AGE",
        "web   Deployment/web  cpu: 45%/80%  2        10       3         2d",
    ),
    (
        "PersistentVolumeClaim",
        {
            "metadata": meta("data-db-0"),
            "spec": {"storageClassName": "standard", "volumeName": "pvc-1a2b"},
            "status": {"phase": "Bound", "capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"]},
        },
        "NAME       STATUS  VOLUME    CAPACITY  ACCESS MODES  STORAGECLASS  AGE",
        "data-db-0  Bound   pvc-1a2b  10Gi      RWO           standard      2d",
    ),
    (
        "PersistentVolume",
        {
            "metadata": {"name": "pvc-1a2b", "creationTimestamp": ago(days=2)},
            "spec": {
                "capacity": {"storage": "10Gi"},
                "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Delete",
                "claimRef": {"namespace": "default", "name": "data-db-0"},
                "storageClassName": "standard",
            },
            "status": {"phase": "Bound"},
        },
        "NAME      CAPACITY  ACCESS MODES  RECLAIM POLICY  STATUS  CLAIM              STORAGECLASS  REASON  AGE",
        "pvc-1a2b  10Gi      RWO           Delete          Bound   default/data-db-0  standard      <none>  2d",
    ),
    (
        "StorageClass",
        {
            "metadata": {
                "name": "standard",
                "creationTimestamp": ago(days=2),
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            "provisioner": "rancher.io/local-path",
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer",
        },
        "NAME                PROVISIONER            RECLAIMPOLICY  VOLUMEBINDINGMODE     ALLOWVOLUMEEXPANSION  AGE",
        "standard (default)  rancher.io/local-path  Delete         WaitForFirstConsumer  false                 2d",
    ),
    (
        "PodDisruptionBudget",
        {"metadata": meta("web"), "spec": {"minAvailable": 2}, "status": {"disruptionsAllowed": 1}},
        "NAME  MIN AVAILABLE  MAX UNAVAILABLE  ALLOWED DISRUPTIONS  AGE",
        "web   2              N/A              1                    2d",
    ),
    (
        "Namespace",
        {"metadata": {"name": "shop", "creationTimestamp": ago(days=2)}, "status": {"phase": "Active"}},
        "NAME  STATUS  AGE",
        "shop  Active  2d",
    ),
    (
        "ConfigMap",
        {"metadata": meta("settings"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}},
        "NAME      DATA  AGE",
        "settings  3     2d",
    ),
    (
        "ServiceAccount",
        {"metadata": meta("builder"), "secrets": [{"name": "builder-token"}]},
        "NAME     SECRETS  AGE",
        "builder  1        2d",
    ),
    (
        "ClusterRole",
        {"metadata": {"name": "view", "creationTimestamp": "2026-11-23T09:00:00Z"}},
        "NAME  CREATED AT",
        "view  2026-11-23T09:00:00Z",
    ),
    (
        "RoleBinding",
        {"metadata": meta("read"), "roleRef": {"kind": "ClusterRole", "name": "view"}},
        "NAME  ROLE              AGE",
        "read  ClusterRole/view  2d",
    ),
    (
        "CustomResourceDefinition",
        {"metadata": {"name": "certificates.cert-manager.io", "creationTimestamp": "2026-11-23T09:00:00Z"}},
        "NAME                          CREATED AT",
        "certificates.cert-manager.io  2026-11-23T09:00:00Z",
    ),
]


class KindTableTests(TestCase):
    def test_each_kind_prints_its_kubectl_columns(self) -> None:
        for kind, obj, header, row in CASES:
            with self.subTest(kind=kind):
                table = render_table([obj], kind=kind, wide=False, all_namespaces=False, now=NOW)
                self.assertEqual(table.splitlines(), [header, row])

    def test_each_kind_renders_wide_without_error(self) -> None:
        for kind, obj, _, _ in CASES:
            with self.subTest(kind=kind):
                table = render_table([obj], kind=kind, wide=True, all_namespaces=True, now=NOW)
                header, row = table.splitlines()
                self.assertTrue(header.startswith("NAME") or header.startswith("NAMESPACE"))
                self.assertTrue(row)

    def test_kinds_are_found_by_plural_and_short_name(self) -> None:
        _, obj, header, _ = CASES[0]
        for spelling in ("statefulsets", "sts", "StatefulSetList", "statefulset"):
            with self.subTest(spelling=spelling):
                table = render_table([obj], kind=spelling, wide=False, all_namespaces=False, now=NOW)
                self.assertEqual(table.splitlines()[0], header)

    def test_role_bindings_list_their_subjects_when_wide(self) -> None:
        binding = {
            "metadata": meta("read"),
            "roleRef": {"kind": "ClusterRole", "name": "view"},
            "subjects": [
                {"kind": "User", "name": "alice"},
                {"kind": "Group", "name": "devs"},
                {"kind": "ServiceAccount", "name": "ci", "namespace": "build"},
            ],
        }
        table = render_table([binding], kind="RoleBinding", wide=True, all_namespaces=False, now=NOW)
        self.assertEqual(
            table.splitlines(),
            [
                "NAME  ROLE              AGE  USERS  GROUPS  SERVICEACCOUNTS",
                "read  ClusterRole/view  2d   alice  devs    build/ci",
            ],
        )
