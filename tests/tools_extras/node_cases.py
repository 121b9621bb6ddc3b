"""node_management, node_logs and node_stats, mixed into the live test classes of test_live.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from k8stools.models import PolicySettings

if TYPE_CHECKING:
    from tests.live import LiveServerTestCase as Base
else:
    Base = object


def node(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "capacity": {"cpu": "4", "memory": "16Gi"},
            "allocatable": {"cpu": "4", "memory": "16Gi"},
        },
    }


def pod_on(
    node_name: str, name: str, *, owner: str | None = "ReplicaSet", empty_dir: bool = False, namespace: str = "default"
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if owner:
        metadata["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": owner, "name": f"{name}-owner", "uid": f"uid-{name}", "controller": True}
        ]
    spec: dict[str, Any] = {"nodeName": node_name, "containers": [{"name": "main", "image": "nginx:1.27"}]}
    if empty_dir:
        spec["volumes"] = [{"name": "scratch", "emptyDir": {}}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": {"phase": "Running"}}


class WritableNodeCases(Base):
    """On a server that may change the cluster."""

    def test_cordon_marks_the_node_unschedulable_and_uncordon_clears_it(self) -> None:
        self.fake.add_object(node("cordon-me"))
        self.assertEqual(
            self.text("node_management", operation="cordon", nodeName="cordon-me"), "node/cordon-me cordoned"
        )
        self.assertTrue(self.fake.get_object("nodes", None, "cordon-me")["spec"]["unschedulable"])
        self.assertEqual(
            self.text("node_management", operation="uncordon", nodeName="cordon-me"), "node/cordon-me uncordoned"
        )
        self.assertFalse(self.fake.get_object("nodes", None, "cordon-me").get("spec", {}).get("unschedulable"))

    def test_drain_without_confirm_is_refused_and_changes_nothing(self) -> None:
        self.fake.add_object(node("drain-unconfirmed"))
        self.fake.clear_requests()
        text = self.error("node_management", operation="drain", nodeName="drain-unconfirmed")
        self.assertIn("confirm: true", text)
        self.assertEqual(self.fake.mutations(), [])

    def test_drain_cordons_and_evicts_through_the_eviction_api_leaving_daemonset_pods(self) -> None:
        self.fake.add_object(node("drain-me"))
        self.fake.add_object(pod_on("drain-me", "web-1"))
        self.fake.add_object(pod_on("drain-me", "agent-1", owner="DaemonSet"))
        self.fake.clear_requests()
        text = self.text("node_management", operation="drain", nodeName="drain-me", confirm=True, gracePeriod=5)
        self.assertIn("node/drain-me cordoned", text)
        self.assertIn("evicted pod default/web-1", text)
        self.assertIn("skipped default/agent-1: managed by a DaemonSet", text)
        evictions = [r for r in self.fake.mutations() if r.subresource == "eviction"]
        self.assertEqual([r.name for r in evictions], ["web-1"])
        # Evicted with the grace period asked for: Terminating until its containers stop (a moment), then gone.
        evicted = self.fake.get_object("pods", "default", "web-1")
        self.assertTrue(evicted is None or evicted["metadata"]["deletionGracePeriodSeconds"] == 5, evicted)
        self.assertIsNotNone(self.fake.get_object("pods", "default", "agent-1"))
        self.assertTrue(self.fake.get_object("nodes", None, "drain-me")["spec"]["unschedulable"])

    def test_drain_refuses_unmanaged_and_local_data_pods_unless_told_and_changes_nothing(self) -> None:
        self.fake.add_object(node("drain-careful"))
        self.fake.add_object(pod_on("drain-careful", "bare", owner=None))
        self.fake.add_object(pod_on("drain-careful", "cache", empty_dir=True))
        self.fake.clear_requests()
        text = self.text("node_management", operation="drain", nodeName="drain-careful", confirm=True)
        self.assertIn("cannot drain drain-careful; nothing was changed", text)
        self.assertIn("default/bare is not managed by a controller", text)
        self.assertIn("send deleteLocalData: true", text)
        self.assertEqual(self.fake.mutations(), [])
        text = self.text(
            "node_management",
            operation="drain",
            nodeName="drain-careful",
            confirm=True,
            force=True,
            deleteLocalData=True,
        )
        self.assertIn("evicted pod default/bare", text)
        self.assertIn("evicted pod default/cache", text)

    def test_drain_refuses_daemonset_pods_when_not_ignoring_them(self) -> None:
        self.fake.add_object(node("drain-ds"))
        self.fake.add_object(pod_on("drain-ds", "agent-2", owner="DaemonSet"))
        text = self.text(
            "node_management", operation="drain", nodeName="drain-ds", confirm=True, ignoreDaemonsets=False
        )
        self.assertIn("managed by a DaemonSet; send ignoreDaemonsets: true", text)

    def test_an_unknown_node_is_a_tool_error(self) -> None:
        self.assertIn("not found", self.error("node_management", operation="cordon", nodeName="nope"))

    def test_node_logs_tail_the_kubelet_log(self) -> None:
        text = self.text("node_logs", nodeName="worker-1", tailLines=2)
        self.assertEqual(len(text.splitlines()), 2)
        listing = self.text("node_logs", nodeName="worker-1", file="")
        self.assertIn("kubelet.log", listing)
        self.assertIn("containers/", listing)

    def test_node_logs_refuse_paths_outside_var_log_and_name_unknown_files(self) -> None:
        self.assertIn("plain path", self.error("node_logs", nodeName="worker-1", file="../etc/shadow"))
        self.assertIn('file: ""', self.error("node_logs", nodeName="worker-1", file="nothing.log"))

    def test_node_stats_summarise_the_kubelet_summary_api(self) -> None:
        text = self.text("node_stats", nodeName="worker-1")
        self.assertRegex(text, r"^Node worker-1: CPU \d+m, memory \d+Mi")
        self.assertIn("filesystem:", text)
        self.assertRegex(text, r"Pods: \d+")


class NonDestructiveNodeCases(Base):
    """On a non-destructive server (dry-run turned on in the admin policy where a test says so)."""

    def test_dry_run_cordon_and_drain_reach_the_api_server_as_dry_runs_only(self) -> None:
        PolicySettings.objects.create(non_destructive=True, dry_run=True)
        self.fake.add_object(node("dry-node"))
        self.fake.add_object(pod_on("dry-node", "dry-web"))
        self.fake.clear_requests()
        self.assertIn("dry run", self.text("node_management", operation="cordon", nodeName="dry-node"))
        text = self.text("node_management", operation="drain", nodeName="dry-node", confirm=True)
        self.assertIn("evicted pod default/dry-web (dry run", text)
        self.assertEqual(self.fake.mutations(), [])
        self.assertTrue(all(r.dry_run for r in self.fake.requests if r.method != "GET"))
        self.assertIsNotNone(self.fake.get_object("pods", "default", "dry-web"))

    def test_node_management_is_refused_and_nothing_reaches_the_cluster(self) -> None:
        self.fake.clear_requests()
        text = self.error("node_management", operation="cordon", nodeName="worker-1")
        self.assertIn("not allowed", text)
        self.assertEqual(self.fake.mutations(), [])

    def test_node_reads_still_work(self) -> None:
        self.assertIn("Node worker-1", self.text("node_stats", nodeName="worker-1", pods=False))

    def test_node_reads_withhold_or_refuse_what_belongs_to_restricted_namespaces(self) -> None:
        self.fake.add_object(pod_on("worker-1", "ledger-0", namespace="payments"))
        self.fake.add_object(pod_on("worker-1", "shop-web", namespace="default"))
        listing = self.text("node_logs", nodeName="worker-1", file="containers")
        ledger_log = next(line.strip() for line in listing.splitlines() if "_payments_" in line)
        shop_log = next(line.strip() for line in listing.splitlines() if line.strip().startswith("shop-web_"))
        PolicySettings.objects.create(non_destructive=True, restricted_namespaces=["payments"])
        self.fake.clear_requests()

        stats = self.text("node_stats", nodeName="worker-1")
        self.assertNotIn("payments/", stats)
        self.assertIn("default/shop-web", stats)
        self.assertRegex(stats, r"\d+ pods of this node were withheld by the server policy")

        listing = self.text("node_logs", nodeName="worker-1", file="containers")
        self.assertNotIn("_payments_", listing)
        self.assertIn(shop_log, listing)
        self.assertIn("withheld by the server policy", listing)
        self.assertIn(
            'namespace "payments" is restricted',
            self.error("node_logs", nodeName="worker-1", file=f"containers/{ledger_log}"),
        )
        self.assertIn("node-wide log", self.error("node_logs", nodeName="worker-1", file="kubelet.log"))
        self.assertIn("node-wide log", self.error("node_logs", nodeName="worker-1", file="syslog"))
        self.assertNotIn("restricted", self.text("node_logs", nodeName="worker-1", file=f"containers/{shop_log}"))
        read = [r.path for r in self.fake.requests if "/proxy/logs/" in r.path]
        self.assertFalse([path for path in read if "payments" in path or path.endswith(("kubelet.log", "syslog"))])
