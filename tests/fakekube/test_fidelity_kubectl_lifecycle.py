"""The fake's contract as kubectl 1.32 sees it, continued: a pod's life on a real cluster. Deleting a running pod
leaves it Terminating until the kubelet has stopped it (and `kubectl delete` waits for that), controllers'
pods go the same way, the objects every cluster has unasked are there, and the scheduler and the kubelet
record the events `kubectl describe pod` lists."""

from __future__ import annotations

import json
from typing import Any

from fakekube import FakeCluster

from .fidelity import KubectlFidelityTestCase

NODE = "apiVersion: v1\nkind: Node\nmetadata: {name: worker-1}\n"


def pod(name: str, image: str = "nginx", node: str = "") -> str:
    placed = f"nodeName: {node}, " if node else ""
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: default}}\n"
        f"spec: {{{placed}containers: [{{name: main, image: {image}}}]}}\n"
    )


class KubectlPodLifecycleTests(KubectlFidelityTestCase):
    """A cluster as `FakeCluster()` makes it, with one node: containers stop a moment after SIGTERM."""

    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = super().make_cluster()
        cluster.add_object({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1"}})
        return cluster

    def events(self, name: str, resource: str = "events") -> list[dict[str, Any]]:
        listed = self.kubectl("get", resource, "--field-selector", f"involvedObject.name={name}", "-o", "json")
        return json.loads(listed.stdout)["items"]

    # -- deletion --------------------------------------------------------------------------------------

    def test_delete_waits_until_the_kubelet_has_stopped_the_pod(self) -> None:
        self.kubectl("create", "-f", self.manifest(pod("waited"), "waited.yaml"))
        self.assertEqual(self.kubectl("delete", "pod", "waited").stdout.strip(), 'pod "waited" deleted')
        self.assertEqual(self.refused("get", "pod", "waited"), 'Error from server (NotFound): pods "waited" not found')

    def test_a_deleted_pod_was_terminating_with_its_grace_period_before_it_went(self) -> None:
        self.kubectl("create", "-f", self.manifest(pod("watched"), "watched.yaml"))
        version = self.kubectl("get", "pod", "watched", "-o", "jsonpath={.metadata.resourceVersion}").stdout
        self.kubectl("delete", "pod", "watched")
        # Every change since the pod was running, in order: Terminating first, then gone.
        seen = self.kubectl(
            "get",
            "--raw",
            f"/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Dwatched"
            f"&resourceVersion={version}&timeoutSeconds=1",
        ).stdout
        changes = [json.loads(line) for line in seen.splitlines() if line.strip()]
        self.assertEqual([change["type"] for change in changes], ["MODIFIED", "DELETED"])
        terminating = changes[0]["object"]["metadata"]
        self.assertIn("deletionTimestamp", terminating)
        self.assertEqual(terminating["deletionGracePeriodSeconds"], 30)

    def test_a_forced_delete_removes_the_pod_without_waiting(self) -> None:
        self.kubectl("create", "-f", self.manifest(pod("forced"), "forced.yaml"))
        result = self.kubectl("delete", "pod", "forced", "--grace-period=0", "--force")
        self.assertEqual(result.stdout.strip(), 'pod "forced" force deleted')
        self.assertIn("Immediate deletion does not wait for confirmation", result.stderr)
        self.assertEqual(self.refused("get", "pod", "forced"), 'Error from server (NotFound): pods "forced" not found')

    def test_the_kubelet_records_killing_when_it_stops_a_deleted_pod(self) -> None:
        self.kubectl("create", "-f", self.manifest(pod("killed"), "killed.yaml"))
        self.kubectl("delete", "pod", "killed")
        killing = [event for event in self.events("killed") if event["reason"] == "Killing"]
        self.assertEqual(len(killing), 1, killing)
        self.assertEqual(
            (
                killing[0]["type"],
                killing[0]["message"],
                killing[0]["source"],
                killing[0]["involvedObject"]["fieldPath"],
            ),
            (
                "Normal",
                "Stopping container main",
                {"component": "kubelet", "host": "worker-1"},
                "spec.containers{main}",
            ),
        )

    def test_a_deleted_namespace_goes_once_its_pods_have_stopped(self) -> None:
        self.kubectl("create", "namespace", "brief")
        self.kubectl("create", "deployment", "app", "--image=nginx", "--replicas=2", "-n", "brief")
        self.assertEqual(self.kubectl("delete", "namespace", "brief").stdout.strip(), 'namespace "brief" deleted')
        self.assertEqual(
            self.refused("get", "namespace", "brief"), 'Error from server (NotFound): namespaces "brief" not found'
        )

    # -- what every cluster has ------------------------------------------------------------------------

    def test_the_api_servers_endpoint_slice_is_there(self) -> None:
        table = self.kubectl("get", "endpointslice", "kubernetes").stdout.splitlines()
        self.assertEqual(table[0].split(), ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"])
        self.assertEqual(table[1].split()[:4], ["kubernetes", "IPv4", "6443", "172.18.0.2"])
        labels = self.kubectl("get", "endpointslice", "-l", "kubernetes.io/service-name=kubernetes", "-o", "name")
        self.assertEqual(labels.stdout.strip(), "endpointslice.discovery.k8s.io/kubernetes")

    def test_every_namespace_gets_a_default_service_account(self) -> None:
        self.kubectl("create", "namespace", "accounts")
        self.assertEqual(
            self.kubectl("get", "serviceaccount", "-n", "accounts", "-o", "name").stdout.split(),
            ["serviceaccount/default"],
        )
        self.assertEqual(
            self.kubectl("get", "configmap", "-n", "accounts", "-o", "name").stdout.split(),
            ["configmap/kube-root-ca.crt"],
        )

    def test_each_node_has_its_lease(self) -> None:
        self.assertIn("worker-1", self.kubectl("get", "lease", "-n", "kube-node-lease", "-o", "name").stdout)

    # -- events of the scheduler and the kubelet -------------------------------------------------------

    def test_describe_pod_lists_scheduling_pulling_and_starting(self) -> None:
        self.kubectl("create", "-f", self.manifest(pod("described"), "described.yaml"))
        described = self.kubectl("describe", "pod", "described").stdout
        events = described[described.index("Events:") :]
        for line in (
            r"Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default/described to worker-1",
            r'Normal\s+Pulling\s+\S+\s+kubelet\s+Pulling image "nginx"',
            r'Normal\s+Pulled\s+\S+\s+kubelet\s+Successfully pulled image "nginx" in \S+ \(\S+ including waiting\)\. '
            r"Image size: \d+ bytes\.",
            r"Normal\s+Created\s+\S+\s+kubelet\s+Created container: main",
            r"Normal\s+Started\s+\S+\s+kubelet\s+Started container main",
        ):
            self.assertRegex(events, line)

    def test_an_image_already_on_the_node_is_not_pulled(self) -> None:
        self.kubectl("create", "-f", self.manifest(pod("cached", image="nginx:1.27"), "cached.yaml"))
        reasons = {event["reason"]: event["message"] for event in self.events("cached")}
        self.assertNotIn("Pulling", reasons)
        self.assertEqual(reasons["Pulled"], 'Container image "nginx:1.27" already present on machine')

    def test_a_pod_placed_on_a_node_by_its_creator_is_not_scheduled(self) -> None:
        self.kubectl("create", "-f", self.manifest(pod("placed", node="worker-1"), "placed.yaml"))
        reasons = [event["reason"] for event in self.events("placed")]
        self.assertNotIn("Scheduled", reasons)
        self.assertIn("Started", reasons)

    def test_the_scheduler_records_through_the_events_api_and_the_kubelet_through_the_legacy_one(self) -> None:
        self.kubectl("create", "-f", self.manifest(pod("recorded"), "recorded.yaml"))
        events = {event["reason"]: event for event in self.events("recorded")}
        scheduled, started = events["Scheduled"], events["Started"]
        self.assertEqual(scheduled["source"], {})
        self.assertEqual((scheduled["firstTimestamp"], scheduled["lastTimestamp"]), (None, None))
        self.assertNotIn("count", scheduled)
        self.assertRegex(scheduled["eventTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        self.assertEqual(
            (scheduled["action"], scheduled["reportingComponent"], scheduled["type"]),
            ("Binding", "default-scheduler", "Normal"),
        )
        uid = self.kubectl("get", "pod", "recorded", "-o", "jsonpath={.metadata.uid}").stdout
        self.assertEqual(
            {key: scheduled["involvedObject"][key] for key in ("apiVersion", "kind", "namespace", "name", "uid")},
            {"apiVersion": "v1", "kind": "Pod", "namespace": "default", "name": "recorded", "uid": uid},
        )
        self.assertEqual(started["source"], {"component": "kubelet", "host": "worker-1"})
        self.assertEqual(
            (started["count"], started["eventTime"], started["reportingComponent"], started["reportingInstance"]),
            (1, None, "kubelet", "worker-1"),
        )
        self.assertEqual(started["firstTimestamp"], started["lastTimestamp"])
        self.assertEqual(started["involvedObject"]["fieldPath"], "spec.containers{main}")

    def test_the_events_api_shows_the_same_events_under_its_own_names(self) -> None:
        self.kubectl("create", "-f", self.manifest(pod("renamed"), "renamed.yaml"))
        listed = self.kubectl(
            "get", "events.v1.events.k8s.io", "--field-selector", "regarding.name=renamed", "-o", "json"
        )
        events = {event["reason"]: event for event in json.loads(listed.stdout)["items"]}
        self.assertEqual(events["Scheduled"]["reportingController"], "default-scheduler")
        self.assertEqual(events["Scheduled"]["note"], "Successfully assigned default/renamed to worker-1")
        self.assertNotIn("deprecatedCount", events["Scheduled"])
        self.assertEqual(events["Started"]["deprecatedSource"], {"component": "kubelet", "host": "worker-1"})
        self.assertEqual(events["Started"]["deprecatedCount"], 1)
        self.assertEqual(events["Started"]["regarding"]["fieldPath"], "spec.containers{main}")


class KubectlSlowlyStoppingPodTests(KubectlFidelityTestCase):
    """Containers that take a minute to stop on SIGTERM: what clients see while pods are Terminating."""

    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = super().make_cluster()
        cluster.operations.deleter.pod_shutdown_seconds = 60
        cluster.add_object({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1"}})
        return cluster

    def pods(self, label: str) -> dict[str, str]:
        rows = self.kubectl("get", "pods", "-l", label, "--no-headers").stdout.splitlines()
        return {row.split()[0]: row.split()[2] for row in rows}

    def test_a_replica_set_scaled_down_shows_its_surplus_pods_terminating(self) -> None:
        self.kubectl("create", "deployment", "shrunk", "--image=nginx", "--replicas=3")
        self.kubectl("scale", "deployment", "shrunk", "--replicas=1")
        self.assertEqual(sorted(self.pods("app=shrunk").values()), ["Running", "Terminating", "Terminating"])
        status = json.loads(self.kubectl("get", "deployment", "shrunk", "-o", "json").stdout)["status"]
        self.assertEqual((status["replicas"], status["readyReplicas"]), (1, 1))

    def test_a_deleted_deployments_pods_terminate_with_it(self) -> None:
        self.kubectl("create", "deployment", "dropped", "--image=nginx", "--replicas=2")
        self.kubectl("delete", "deployment", "dropped")
        self.assertEqual(list(self.pods("app=dropped").values()), ["Terminating", "Terminating"])
        self.assertEqual(self.kubectl("get", "rs", "-l", "app=dropped", "-o", "name").stdout.strip(), "")

    def test_a_stateful_pod_is_replaced_only_once_it_is_gone(self) -> None:
        self.kubectl("create", "-f", self.manifest(STATEFUL_SET, "stateful.yaml"))
        self.kubectl("delete", "pod", "db-0", "--wait=false")
        self.assertEqual(self.pods("app=db"), {"db-0": "Terminating"})
        self.kubectl("delete", "pod", "db-0", "--grace-period=0", "--force")
        self.assertEqual(self.pods("app=db"), {"db-0": "Running"})


class KubectlSeededHistoryTests(KubectlFidelityTestCase):
    """The history `seed` writes reads as a real cluster's: each pod's life in order, the scheduler's retries."""

    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = super().make_cluster()
        cluster.seed(pods=40, namespaces=2, nodes=3)
        return cluster

    def described_events(self, phase: str) -> list[list[str]]:
        pods = json.loads(
            self.kubectl("get", "pods", "-A", "--field-selector", f"status.phase={phase}", "-o", "json").stdout
        )
        for item in pods["items"]:
            described = self.kubectl("describe", "pod", item["metadata"]["name"], "-n", item["metadata"]["namespace"])
            lines = described.stdout[described.stdout.index("Events:") :].splitlines()[3:]
            if lines and lines[0].strip() != "<none>":
                return [line.split(None, 4) for line in lines if line.strip()]
        self.fail(f"no {phase} pod has events")

    def test_a_seeded_pod_was_scheduled_then_started(self) -> None:
        events = self.described_events("Running")
        self.assertEqual([row[1] for row in events], ["Scheduled", "Pulled", "Created", "Started"])
        self.assertEqual([row[3] for row in events], ["default-scheduler", "kubelet", "kubelet", "kubelet"])

    def test_a_pending_pod_shows_the_schedulers_repeated_failure(self) -> None:
        events = self.described_events("Pending")
        self.assertEqual(events[0][:2], ["Warning", "FailedScheduling"])
        self.assertRegex(" ".join(events[0][2:]), r"^\S+ \(x7 over \S+\)\s+default-scheduler\s+0/3 nodes are available")


STATEFUL_SET = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: default}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: main, image: "postgres:17"}]}
"""
