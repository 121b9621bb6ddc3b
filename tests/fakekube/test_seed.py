"""`FakeCluster.seed`: realistic, deterministic contents with an exact pod count."""

from __future__ import annotations

import base64
import unittest
from collections import Counter

from fakekube import FakeCluster


class SeedTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.cluster = FakeCluster()
        cls.cluster.seed(pods=120, namespaces=4, nodes=3)

    def test_it_creates_exactly_the_requested_number_of_pods(self) -> None:
        for count in (0, 1, 7, 33):
            cluster = FakeCluster()
            cluster.seed(pods=count, namespaces=2)
            self.assertEqual(len(cluster.list_objects("pods")), count)
        self.assertEqual(len(self.cluster.list_objects("pods")), 120)

    def test_it_is_deterministic(self) -> None:
        other = FakeCluster()
        other.seed(pods=120, namespaces=4, nodes=3)
        names = lambda cluster: sorted(p["metadata"]["name"] for p in cluster.list_objects("pods"))  # noqa: E731
        self.assertEqual(names(self.cluster), names(other))

    def test_it_spreads_workloads_over_namespaces_and_nodes(self) -> None:
        namespaces = {p["metadata"]["namespace"] for p in self.cluster.list_objects("pods")}
        self.assertGreaterEqual(len(namespaces - {"kube-system"}), 4)
        self.assertEqual(len(self.cluster.list_objects("nodes")), 3)
        nodes = Counter(p["spec"].get("nodeName") for p in self.cluster.list_objects("pods"))
        self.assertGreaterEqual(len([n for n in nodes if n]), 2)

    def test_it_includes_unhealthy_and_finished_pods(self) -> None:
        pods = self.cluster.list_objects("pods")
        phases = Counter(p["status"]["phase"] for p in pods)
        self.assertEqual(phases["Pending"], 1)
        self.assertEqual(phases["Succeeded"], 1)
        crashing = [
            p
            for p in pods
            if any(
                (c.get("state") or {}).get("waiting", {}).get("reason") == "CrashLoopBackOff"
                for c in p["status"].get("containerStatuses") or []
            )
        ]
        self.assertGreaterEqual(len(crashing), 1)
        self.assertGreater(crashing[0]["status"]["containerStatuses"][0]["restartCount"], 0)
        self.assertGreater(phases["Running"], 100)

    def test_pods_look_like_real_workload_pods(self) -> None:
        pod = next(p for p in self.cluster.list_objects("pods", "payments") if p["metadata"]["name"].startswith("api-"))
        container = pod["spec"]["containers"][0]
        for key in ("image", "ports", "resources", "livenessProbe", "readinessProbe", "env"):
            self.assertIn(key, container)
        self.assertEqual(pod["metadata"]["ownerReferences"][0]["kind"], "ReplicaSet")
        self.assertIn("podIP", pod["status"])

    def test_it_creates_the_supporting_kinds(self) -> None:
        for resource, group in (
            ("services", ""),
            ("configmaps", ""),
            ("secrets", ""),
            ("events", ""),
            ("serviceaccounts", ""),
            ("persistentvolumeclaims", ""),
            ("deployments", "apps"),
            ("replicasets", "apps"),
            ("statefulsets", "apps"),
            ("daemonsets", "apps"),
            ("jobs", "batch"),
            ("cronjobs", "batch"),
            ("ingresses", "networking.k8s.io"),
        ):
            self.assertTrue(self.cluster.list_objects(resource, group=group), resource)
        secret = self.cluster.get_object("secrets", "payments", "db-credentials")
        self.assertEqual(base64.b64decode(secret["data"]["username"]), b"app")

    def test_events_carry_timestamps_counts_and_their_object(self) -> None:
        events = self.cluster.list_objects("events")
        self.assertEqual({e["type"] for e in events}, {"Normal", "Warning"})
        event = events[0]
        for key in ("firstTimestamp", "lastTimestamp", "count", "involvedObject", "reason", "source"):
            self.assertIn(key, event)

    def test_nodes_have_conditions_capacity_and_node_info(self) -> None:
        node = self.cluster.list_objects("nodes")[0]
        status = node["status"]
        self.assertIn("Ready", [c["type"] for c in status["conditions"]])
        self.assertIn("cpu", status["capacity"])
        self.assertIn("memory", status["allocatable"])
        self.assertEqual(status["nodeInfo"]["kubeletVersion"], "v1.32.4")
        self.assertIn("InternalIP", [a["type"] for a in status["addresses"]])
