"""Deployments own ReplicaSets own pods; rollouts, scaling and statuses add up, for the client and kubectl."""

from __future__ import annotations

import contextlib

from kubernetes import client
from kubernetes.client.rest import ApiException

from fakekube import FakeCluster

from .base import FakeClusterTestCase, deployment_manifest, pod_manifest


class ControllerTests(FakeClusterTestCase):
    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = FakeCluster()
        cluster.seed(pods=0, namespaces=1, nodes=2)
        return cluster

    def owned_pods(self, name: str) -> list[dict]:
        """The app's active pods: a deleted pod stays Terminating while its containers stop, as on a real cluster."""
        return [p for p in self.app_pods(name) if not p["metadata"].get("deletionTimestamp")]

    def terminating_pods(self, name: str) -> list[dict]:
        return [p for p in self.app_pods(name) if p["metadata"].get("deletionTimestamp")]

    def app_pods(self, name: str) -> list[dict]:
        return [p for p in self.cluster.list_objects("pods", "default") if p["metadata"]["labels"].get("app") == name]

    def replica_sets(self, name: str) -> list[dict]:
        return [
            rs
            for rs in self.cluster.list_objects("replicasets", "default", "apps")
            if rs["metadata"]["ownerReferences"][0]["name"] == name
        ]

    def test_a_deployment_creates_a_replica_set_and_running_pods(self) -> None:
        self.apps.create_namespaced_deployment("default", deployment_manifest("ctl-create", replicas=3))
        (replica_set,) = self.replica_sets("ctl-create")
        hash_label = replica_set["metadata"]["labels"]["pod-template-hash"]
        self.assertEqual(replica_set["metadata"]["name"], f"ctl-create-{hash_label}")
        self.assertEqual(replica_set["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "1")
        pods = self.owned_pods("ctl-create")
        self.assertEqual(len(pods), 3)
        self.assertTrue(all(p["status"]["phase"] == "Running" for p in pods))
        self.assertTrue(all(p["metadata"]["ownerReferences"][0]["uid"] == replica_set["metadata"]["uid"] for p in pods))
        self.assertTrue(all(p["spec"]["nodeName"] for p in pods))
        status = self.apps.read_namespaced_deployment("ctl-create", "default").status
        self.assertEqual(
            (
                status.replicas,
                status.ready_replicas,
                status.available_replicas,
                status.updated_replicas,
                status.observed_generation,
            ),
            (3, 3, 3, 3, 1),
        )
        self.assertEqual({c.type: c.status for c in status.conditions}, {"Available": "True", "Progressing": "True"})

    def test_a_new_template_rolls_out_a_new_replica_set(self) -> None:
        self.apps.create_namespaced_deployment("default", deployment_manifest("ctl-roll", replicas=2))
        self.apps.patch_namespaced_deployment(
            "ctl-roll",
            "default",
            {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "nginx:1.28"}]}}}},
        )
        by_revision = {
            rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: rs
            for rs in self.replica_sets("ctl-roll")
        }
        self.assertEqual(set(by_revision), {"1", "2"})
        self.assertEqual(by_revision["1"]["spec"]["replicas"], 0)
        self.assertEqual(by_revision["2"]["spec"]["replicas"], 2)
        pods = self.owned_pods("ctl-roll")
        self.assertEqual([p["spec"]["containers"][0]["image"] for p in pods], ["nginx:1.28"] * 2)
        old = self.terminating_pods("ctl-roll")
        self.assertEqual([p["spec"]["containers"][0]["image"] for p in old], ["nginx:1.27"] * 2)
        deployment = self.apps.read_namespaced_deployment("ctl-roll", "default")
        self.assertEqual(deployment.metadata.annotations["deployment.kubernetes.io/revision"], "2")
        self.assertEqual(deployment.status.observed_generation, deployment.metadata.generation)

    def test_scaling_changes_the_pod_count(self) -> None:
        self.apps.create_namespaced_deployment("default", deployment_manifest("ctl-scale", replicas=1))
        scale = self.apps.read_namespaced_deployment_scale("ctl-scale", "default")
        self.assertEqual((scale.kind, scale.spec.replicas, scale.status.selector), ("Scale", 1, "app=ctl-scale"))
        self.apps.patch_namespaced_deployment_scale("ctl-scale", "default", {"spec": {"replicas": 4}})
        self.assertEqual(len(self.owned_pods("ctl-scale")), 4)
        self.apps.replace_namespaced_deployment_scale(
            "ctl-scale",
            "default",
            client.V1Scale(metadata=client.V1ObjectMeta(name="ctl-scale"), spec=client.V1ScaleSpec(replicas=2)),
        )
        self.assertEqual(len(self.owned_pods("ctl-scale")), 2)
        self.assertEqual(len(self.terminating_pods("ctl-scale")), 2)
        status = self.apps.read_namespaced_deployment("ctl-scale", "default").status
        self.assertEqual((status.replicas, status.ready_replicas), (2, 2))

    def test_a_deleted_pod_is_replaced_by_its_replica_set(self) -> None:
        self.apps.create_namespaced_deployment("default", deployment_manifest("ctl-heal", replicas=2))
        victim = self.owned_pods("ctl-heal")[0]["metadata"]["name"]
        self.core.delete_namespaced_pod(victim, "default")
        names = [p["metadata"]["name"] for p in self.owned_pods("ctl-heal")]
        self.assertEqual(len(names), 2)
        self.assertNotIn(victim, names)
        self.assertEqual([p["metadata"]["name"] for p in self.terminating_pods("ctl-heal")], [victim])

    def test_deleting_a_deployment_deletes_its_replica_sets_and_pods(self) -> None:
        self.apps.create_namespaced_deployment("default", deployment_manifest("ctl-gc", replicas=2))
        self.apps.delete_namespaced_deployment("ctl-gc", "default")
        self.assertEqual(self.replica_sets("ctl-gc"), [])
        self.assertEqual(self.owned_pods("ctl-gc"), [])
        # The garbage collector deletes the pods as any client would: they stop before they go.
        self.assertEqual(len(self.terminating_pods("ctl-gc")), 2)

    def test_kubectl_rollout_status_history_restart_and_undo_work(self) -> None:
        self.apps.create_namespaced_deployment("default", deployment_manifest("ctl-kubectl", replicas=2))
        self.assertIn(
            "successfully rolled out",
            self.kubectl("rollout", "status", "deployment/ctl-kubectl", "--timeout=5s").stdout,
        )
        self.kubectl("set", "image", "deployment/ctl-kubectl", "main=nginx:1.28")
        self.kubectl("rollout", "restart", "deployment/ctl-kubectl")
        self.kubectl("rollout", "undo", "deployment/ctl-kubectl", "--to-revision=2")
        history = self.kubectl("rollout", "history", "deployment/ctl-kubectl").stdout
        self.assertEqual([line.split()[0] for line in history.splitlines()[2:] if line.strip()], ["1", "3", "4"])
        self.kubectl("scale", "deployment/ctl-kubectl", "--replicas=3")
        self.assertIn(
            "successfully rolled out",
            self.kubectl("rollout", "status", "deployment/ctl-kubectl", "--timeout=5s").stdout,
        )
        self.assertEqual(len(self.owned_pods("ctl-kubectl")), 3)

    def test_a_statefulset_creates_ordinal_pods(self) -> None:
        self.apps.create_namespaced_stateful_set(
            "default",
            {
                "metadata": {"name": "ctl-db"},
                "spec": {
                    "replicas": 3,
                    "serviceName": "ctl-db",
                    "selector": {"matchLabels": {"app": "ctl-db"}},
                    "template": {
                        "metadata": {"labels": {"app": "ctl-db"}},
                        "spec": {"containers": [{"name": "db", "image": "postgres:16"}]},
                    },
                },
            },
        )
        self.assertEqual(
            sorted(p["metadata"]["name"] for p in self.owned_pods("ctl-db")), ["ctl-db-0", "ctl-db-1", "ctl-db-2"]
        )
        self.apps.patch_namespaced_stateful_set_scale("ctl-db", "default", {"spec": {"replicas": 1}})
        self.assertEqual([p["metadata"]["name"] for p in self.owned_pods("ctl-db")], ["ctl-db-0"])
        self.assertEqual(
            sorted(p["metadata"]["name"] for p in self.terminating_pods("ctl-db")), ["ctl-db-1", "ctl-db-2"]
        )
        status = self.apps.read_namespaced_stateful_set("ctl-db", "default").status
        self.assertEqual((status.replicas, status.ready_replicas), (1, 1))

    def test_a_daemonset_runs_one_pod_per_node(self) -> None:
        self.apps.create_namespaced_daemon_set(
            "default",
            {
                "metadata": {"name": "ctl-agent"},
                "spec": {
                    "selector": {"matchLabels": {"app": "ctl-agent"}},
                    "template": {
                        "metadata": {"labels": {"app": "ctl-agent"}},
                        "spec": {"containers": [{"name": "agent", "image": "agent:1"}]},
                    },
                },
            },
        )
        pods = self.owned_pods("ctl-agent")
        self.assertEqual(
            sorted(p["spec"]["nodeName"] for p in pods),
            sorted(n["metadata"]["name"] for n in self.cluster.list_objects("nodes")),
        )
        status = self.apps.read_namespaced_daemon_set("ctl-agent", "default").status
        self.assertEqual((status.desired_number_scheduled, status.number_ready), (2, 2))

    def test_a_job_completes(self) -> None:
        client.BatchV1Api(self.api).create_namespaced_job(
            "default",
            {
                "metadata": {"name": "ctl-job"},
                "spec": {
                    "template": {
                        "spec": {"restartPolicy": "Never", "containers": [{"name": "run", "image": "busybox"}]}
                    }
                },
            },
        )
        job = client.BatchV1Api(self.api).read_namespaced_job("ctl-job", "default")
        self.assertEqual(job.status.succeeded, 1)
        self.assertIn("Complete", [c.type for c in job.status.conditions])
        pods = [
            p
            for p in self.cluster.list_objects("pods", "default")
            if p["metadata"]["labels"].get("job-name") == "ctl-job"
        ]
        self.assertEqual([p["status"]["phase"] for p in pods], ["Succeeded"])

    def test_a_pod_created_directly_is_running(self) -> None:
        pod = self.core.create_namespaced_pod("default", pod_manifest("ctl-direct"))
        # A pod no controller owns would stop a later `kubectl drain` of its node, as on a real cluster.
        self.addCleanup(self.core.delete_namespaced_pod, "ctl-direct", "default", grace_period_seconds=0)
        self.assertEqual(pod.status.phase, "Running")
        self.assertTrue(pod.status.pod_ip)
        self.assertTrue(pod.status.container_statuses[0].state.running.started_at)

    def test_eviction_deletes_the_pod(self) -> None:
        self.core.create_namespaced_pod("default", pod_manifest("ctl-evict"))
        self.core.create_namespaced_pod_eviction(
            "ctl-evict",
            "default",
            client.V1Eviction(metadata=client.V1ObjectMeta(name="ctl-evict", namespace="default")),
        )
        evicted = self.cluster.get_object("pods", "default", "ctl-evict")
        # Terminating until its containers stop (a moment later it is gone).
        self.assertTrue(evicted is None or "deletionTimestamp" in evicted["metadata"], evicted)
        # Gone at once now, so that no unmanaged pod stops a later `kubectl drain` of its node.
        with contextlib.suppress(ApiException):
            self.core.delete_namespaced_pod("ctl-evict", "default", grace_period_seconds=0)
        self.assertIsNone(self.cluster.get_object("pods", "default", "ctl-evict"))

    def test_a_disruption_budget_refuses_an_eviction_that_would_break_it(self) -> None:
        self.apps.create_namespaced_deployment("default", deployment_manifest("ctl-pdb", replicas=2))
        client.PolicyV1Api(self.api).create_namespaced_pod_disruption_budget(
            "default",
            {
                "metadata": {"name": "ctl-pdb"},
                "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "ctl-pdb"}}},
            },
        )
        budget = client.PolicyV1Api(self.api).read_namespaced_pod_disruption_budget("ctl-pdb", "default")
        self.assertEqual(
            (
                budget.status.current_healthy,
                budget.status.desired_healthy,
                budget.status.disruptions_allowed,
                budget.status.expected_pods,
            ),
            (2, 2, 0, 2),
        )
        victim = self.owned_pods("ctl-pdb")[0]["metadata"]["name"]
        with self.assertApiError(429, "TooManyRequests") as error:
            self.core.create_namespaced_pod_eviction(
                victim, "default", client.V1Eviction(metadata=client.V1ObjectMeta(name=victim, namespace="default"))
            )
        self.assertEqual(error.body["message"], "Cannot evict pod as it would violate the pod's disruption budget.")
        self.assertEqual(
            error.body["details"]["causes"][0]["message"],
            "The disruption budget ctl-pdb needs 2 healthy pods and has 2 currently",
        )
        client.PolicyV1Api(self.api).patch_namespaced_pod_disruption_budget(
            "ctl-pdb", "default", {"spec": {"minAvailable": "50%"}}
        )
        self.core.create_namespaced_pod_eviction(
            victim, "default", client.V1Eviction(metadata=client.V1ObjectMeta(name=victim, namespace="default"))
        )
        self.assertNotIn(victim, [p["metadata"]["name"] for p in self.owned_pods("ctl-pdb")])
        self.assertEqual([p["metadata"]["name"] for p in self.terminating_pods("ctl-pdb")], [victim])

    def test_the_status_subresource_updates_only_status(self) -> None:
        self.core.create_namespaced_pod("default", pod_manifest("ctl-status"))
        patched = self.core.patch_namespaced_pod_status(
            "ctl-status",
            "default",
            {"metadata": {"labels": {"ignored": "yes"}}, "status": {"phase": "Failed", "reason": "Evicted"}},
        )
        self.assertEqual((patched.status.phase, patched.status.reason), ("Failed", "Evicted"))
        self.assertNotIn("ignored", patched.metadata.labels or {})
        self.assertEqual(self.core.read_namespaced_pod_status("ctl-status", "default").status.phase, "Failed")

    def test_kubectl_drains_a_node(self) -> None:
        self.apps.create_namespaced_deployment("default", deployment_manifest("ctl-drain", replicas=4))
        node = self.owned_pods("ctl-drain")[0]["spec"]["nodeName"]
        self.kubectl("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=20s")
        self.assertTrue(self.core.read_node(node).spec.unschedulable)
        self.assertNotIn(node, [p["spec"].get("nodeName") for p in self.owned_pods("ctl-drain")])
        self.kubectl("uncordon", node)
