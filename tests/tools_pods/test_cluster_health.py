"""cluster_health through the real MCP client: API server, components, node readiness and pods not running."""

from __future__ import annotations

from typing import Any, ClassVar
from unittest import TestCase

from k8stools.tools.cluster import overall_status
from tests.live import LiveServerTestCase
from tests.tools_pods.fixtures import running_pod


def node(
    name: str, ready: str, reason: str = "KubeletReady", message: str = "kubelet is posting ready status"
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name},
        "status": {
            "allocatable": {"cpu": "4", "memory": "8Gi"},
            "conditions": [
                {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory"},
                {"type": "Ready", "status": ready, "reason": reason, "message": message},
            ],
        },
    }


def component(name: str, healthy: bool, message: str = "") -> dict[str, Any]:
    condition = {"type": "Healthy", "status": "True" if healthy else "False", "message": message or "ok"}
    return {"apiVersion": "v1", "kind": "ComponentStatus", "metadata": {"name": name}, "conditions": [condition]}


class OverallStatusTests(TestCase):
    def test_all_ready_is_healthy(self) -> None:
        self.assertEqual(overall_status([("etcd-0", True)], 3, 3), "Healthy")

    def test_a_node_not_ready_is_degraded(self) -> None:
        self.assertEqual(overall_status([], 2, 3), "Degraded")

    def test_a_failing_critical_component_is_unhealthy(self) -> None:
        self.assertEqual(overall_status([("etcd-0", False)], 3, 3), "Unhealthy")
        self.assertEqual(overall_status([("scheduler", False)], 3, 3), "Unhealthy")

    def test_a_failing_other_component_is_degraded(self) -> None:
        self.assertEqual(overall_status([("metrics-agent", False)], 3, 3), "Degraded")


class ClusterHealthTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {}
    server_env: ClassVar[dict[str, str]] = {"RESTRICTED_NAMESPACES": "vault"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        fake = cls.fake
        fake.add_object(node("node-a", "True"))
        fake.add_object(node("node-b", "True"))
        fake.add_object(node("node-c", "False", "KubeletNotReady", "container runtime network not ready"))
        fake.add_object(component("etcd-0", True))
        fake.add_object(component("scheduler", True))
        fake.add_object(running_pod("fine"))
        waiting = running_pod("crashing")
        waiting["status"]["containerStatuses"][0].update(
            ready=False, state={"waiting": {"reason": "CrashLoopBackOff"}}, restartCount=7
        )
        fake.add_object(waiting)
        fake.add_object(running_pod("unscheduled", status={"phase": "Pending"}))
        fake.add_object(running_pod("done", status={"phase": "Succeeded"}))
        hidden = running_pod("hidden-failure", namespace="vault")
        hidden["status"]["containerStatuses"][0].update(ready=False, state={"waiting": {"reason": "ImagePullBackOff"}})
        fake.add_object(hidden)

    def test_a_not_ready_node_makes_the_cluster_degraded_and_says_why(self) -> None:
        text = self.text("cluster_health")
        lines = text.splitlines()
        self.assertEqual(lines[0], "Status: Degraded")
        self.assertRegex(lines[1], r"^API server: Healthy \(v\d+\.\d+")
        self.assertIn("Components: etcd-0 Healthy, scheduler Healthy", text)
        self.assertIn("Nodes: 2/3 ready", text)
        self.assertIn("  node-c  NotReady  (KubeletNotReady: container runtime network not ready)", text)
        self.assertLess(text.index("node-c"), text.index("node-a"))  # the node in trouble comes first

    def test_pods_not_running_are_counted_by_status_without_restricted_namespaces(self) -> None:
        text = self.text("cluster_health")
        self.assertIn("Pods not running: 2 of ", text)
        self.assertIn("CrashLoopBackOff 1", text)
        self.assertIn("Pending 1", text)
        self.assertNotIn("ImagePullBackOff", text)

    def test_nodes_limit_shows_fewer_nodes_but_counts_them_all(self) -> None:
        text = self.text("cluster_health", nodesLimit=1)
        self.assertIn("Nodes: 2/3 ready", text)
        self.assertIn("node-c", text)
        self.assertNotIn("node-a", text)
        self.assertIn("2 more nodes (raise nodesLimit", text)

    def test_node_conditions_are_listed_on_request(self) -> None:
        self.assertNotIn("MemoryPressure", self.text("cluster_health"))
        text = self.text("cluster_health", includeNodeConditions=True)
        self.assertIn("MemoryPressure=False Ready=True", text)

    def test_the_limit_is_checked_by_the_schema(self) -> None:
        self.assertIn("nodesLimit", self.error("cluster_health", nodesLimit=0))

    def test_the_deprecated_alias_still_answers(self) -> None:
        self.assertIn("Status: Degraded", self.text("kubernetes_cluster_health"))


class UnreachableClusterHealthTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {}

    def test_an_api_server_that_does_not_answer_is_unhealthy(self) -> None:
        self.running.pause()
        try:
            text = self.text("cluster_health")
        finally:
            self.running.resume()
        self.assertTrue(text.startswith("Status: Unhealthy\nAPI server: unreachable"), text)
