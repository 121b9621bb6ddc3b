"""The fake's contract as kubectl 1.32 sees it, continued: writes, deletion (Terminating objects, orphaning),
controllers' events, and identity (RBAC, impersonation). See `test_fidelity_kubectl` for reading and validation."""

from __future__ import annotations

import json

from .fidelity import KubectlFidelityTestCase


def scheduled_pod(name: str, namespace: str = "default", finalizer: bool = False) -> str:
    finalizers = "finalizers: [example.com/hold], " if finalizer else ""
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}, {finalizers}labels: {{app: {name}}}}}\n"
        "spec: {nodeName: worker-1, containers: [{name: main, image: nginx}]}\n"
    )


class KubectlWritesAndIdentityTests(KubectlFidelityTestCase):
    # -- writing ---------------------------------------------------------------------------------------

    def test_create_twice_is_already_exists(self) -> None:
        self.assertEqual(
            self.kubectl("create", "deployment", "twice", "--image=nginx").stdout.strip(),
            "deployment.apps/twice created",
        )
        self.assertEqual(
            self.refused("create", "deployment", "twice", "--image=nginx"),
            'error: failed to create deployment: deployments.apps "twice" already exists',
        )

    def test_creating_in_a_missing_namespace_is_not_found(self) -> None:
        self.assertEqual(
            self.refused("create", "configmap", "lost", "-n", "nowhere"),
            'error: failed to create configmap: namespaces "nowhere" not found',
        )

    def test_client_side_apply_creates_leaves_unchanged_then_configures(self) -> None:
        text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied, namespace: default}\ndata: {a: 'A'}\n"
        path = self.manifest(text, "applied.yaml")
        self.assertEqual(self.kubectl("apply", "-f", path).stdout.strip(), "configmap/applied created")
        self.assertEqual(self.kubectl("apply", "-f", path).stdout.strip(), "configmap/applied unchanged")
        self.manifest(text.replace("'A'", "'B'"), "applied.yaml")
        self.assertEqual(self.kubectl("apply", "-f", path).stdout.strip(), "configmap/applied configured")

    def test_server_side_apply_reports_a_conflict_with_another_manager(self) -> None:
        text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned, namespace: default}\ndata: {a: 'A'}\n"
        path = self.manifest(text, "owned.yaml")
        self.assertEqual(
            self.kubectl("apply", "--server-side", "-f", path).stdout.strip(), "configmap/owned serverside-applied"
        )
        self.kubectl("patch", "configmap", "owned", "-p", '{"data":{"a":"changed"}}')
        self.assertIn(
            'error: Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.a',
            self.refused("apply", "--server-side", "-f", path),
        )
        forced = self.kubectl("apply", "--server-side", "--force-conflicts", "-f", path)
        self.assertEqual(forced.stdout.strip(), "configmap/owned serverside-applied")

    def test_patch_reports_no_change_when_nothing_changed(self) -> None:
        self.kubectl("create", "configmap", "patched", "--from-literal=a=1")
        self.assertEqual(
            self.kubectl("patch", "cm", "patched", "-p", '{"data":{"a":"2"}}').stdout.strip(),
            "configmap/patched patched",
        )
        self.assertEqual(
            self.kubectl("patch", "cm", "patched", "-p", '{"data":{"a":"2"}}').stdout.strip(),
            "configmap/patched patched (no change)",
        )

    def test_replace_with_a_stale_resource_version_is_a_conflict(self) -> None:
        self.kubectl("create", "configmap", "stale", "--from-literal=a=1")
        path = self.manifest(self.kubectl("get", "cm", "stale", "-o", "yaml").stdout, "stale.yaml")
        self.kubectl("label", "cm", "stale", "touched=yes")
        self.assertEqual(
            self.refused("replace", "-f", path),
            f'Error from server (Conflict): error when replacing "{path}": Operation cannot be fulfilled on '
            'configmaps "stale": the object has been modified; please apply your changes to the latest version '
            "and try again",
        )

    def test_scale_rollout_and_wait_follow_the_deployment_controller(self) -> None:
        self.kubectl("create", "deployment", "scaled", "--image=nginx")
        self.assertEqual(
            self.kubectl("scale", "deployment", "scaled", "--replicas=3").stdout.strip(),
            "deployment.apps/scaled scaled",
        )
        self.assertIn(
            "successfully rolled out", self.kubectl("rollout", "status", "deploy/scaled", "--timeout=20s").stdout
        )
        self.kubectl("wait", "--for=condition=Available", "deploy/scaled", "--timeout=20s")
        pods = self.kubectl("get", "pods", "-l", "app=scaled", "-o", "name").stdout.split()
        self.assertEqual(len(pods), 3)
        self.assertIn("Replicas:", self.kubectl("describe", "deployment", "scaled").stdout)

    def test_controllers_record_events_that_describe_shows(self) -> None:
        self.kubectl("create", "deployment", "evented", "--image=nginx", "--replicas=2")
        self.kubectl("scale", "deployment", "evented", "--replicas=1")
        described = self.kubectl("describe", "deployment", "evented").stdout
        replica_set = self.kubectl("get", "rs", "-l", "app=evented", "-o", "name").stdout.strip().split("/")[-1]
        self.assertRegex(
            described,
            rf"Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set {replica_set} from 0 to 2",
        )
        self.assertIn(f"Scaled down replica set {replica_set} from 2 to 1", described)
        replica_set_events = self.kubectl("describe", "rs", replica_set).stdout
        self.assertRegex(replica_set_events, r"Normal\s+SuccessfulCreate\s+\S+\s+replicaset-controller\s+Created pod: ")
        self.assertIn("SuccessfulDelete", replica_set_events)

    def test_server_dry_run_delete_leaves_the_object(self) -> None:
        self.kubectl("create", "configmap", "kept", "--from-literal=a=1")
        self.assertEqual(
            self.kubectl("delete", "cm", "kept", "--dry-run=server").stdout.strip(),
            'configmap "kept" deleted (server dry run)',
        )
        self.assertEqual(self.kubectl("get", "cm", "kept", "-o", "name").stdout.strip(), "configmap/kept")

    def test_delete_then_delete_again_is_not_found(self) -> None:
        self.kubectl("create", "configmap", "gone", "--from-literal=a=1")
        self.assertEqual(self.kubectl("delete", "cm", "gone").stdout.strip(), 'configmap "gone" deleted')
        self.assertEqual(
            self.refused("delete", "cm", "gone"), 'Error from server (NotFound): configmaps "gone" not found'
        )

    def test_a_deleted_pod_is_terminating_with_its_grace_period_until_released(self) -> None:
        self.kubectl("create", "-f", self.manifest(scheduled_pod("held", finalizer=True), "held.yaml"))
        self.assertEqual(self.kubectl("delete", "pod", "held", "--wait=false").stdout.strip(), 'pod "held" deleted')
        shown = json.loads(self.kubectl("get", "pod", "held", "-o", "json").stdout)
        self.assertIn("deletionTimestamp", shown["metadata"])
        self.assertEqual(shown["metadata"]["deletionGracePeriodSeconds"], 30)
        self.assertIn("Terminating", self.kubectl("get", "pod", "held").stdout)
        self.kubectl("patch", "pod", "held", "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]')
        # The kubelet then confirms the containers stopped (the fake's at once, a real one within the grace period):
        # the pod goes shortly after, not within the patch, so wait for it as a user would.
        self.kubectl("wait", "--for=delete", "pod/held", "--timeout=20s")
        self.assertEqual(self.refused("get", "pod", "held"), 'Error from server (NotFound): pods "held" not found')

    def test_a_running_pod_is_gone_once_its_containers_stop(self) -> None:
        self.kubectl("create", "-f", self.manifest(scheduled_pod("stopped"), "stopped.yaml"))
        self.assertEqual(self.kubectl("delete", "pod", "stopped").stdout.strip(), 'pod "stopped" deleted')
        self.assertEqual(
            self.refused("get", "pod", "stopped"), 'Error from server (NotFound): pods "stopped" not found'
        )

    def test_a_namespace_is_terminating_until_its_content_is_gone(self) -> None:
        self.kubectl("create", "namespace", "doomed")
        self.kubectl("create", "-f", self.manifest(scheduled_pod("holder", "doomed", finalizer=True), "holder.yaml"))
        self.kubectl("create", "configmap", "plain", "-n", "doomed", "--from-literal=a=1")
        self.assertEqual(
            self.kubectl("delete", "namespace", "doomed", "--wait=false").stdout.strip(), 'namespace "doomed" deleted'
        )
        self.assertIn("Terminating", self.kubectl("get", "namespace", "doomed").stdout)
        self.assertEqual(
            self.refused("get", "cm", "plain", "-n", "doomed"),
            'Error from server (NotFound): configmaps "plain" not found',
        )
        self.assertEqual(
            self.refused("create", "configmap", "late", "-n", "doomed"),
            'error: failed to create configmap: configmaps "late" is forbidden: unable to create new content in '
            "namespace doomed because it is being terminated",
        )
        self.kubectl(
            "patch",
            "pod",
            "holder",
            "-n",
            "doomed",
            "--type=json",
            "-p",
            '[{"op":"remove","path":"/metadata/finalizers"}]',
        )
        self.assertEqual(
            self.refused("get", "namespace", "doomed"), 'Error from server (NotFound): namespaces "doomed" not found'
        )

    def test_an_orphaning_delete_leaves_dependents_without_the_owner_reference(self) -> None:
        self.kubectl("create", "deployment", "orphaner", "--image=nginx")
        self.assertEqual(
            self.kubectl("delete", "deployment", "orphaner", "--cascade=orphan").stdout.strip(),
            'deployment.apps "orphaner" deleted',
        )
        replicasets = json.loads(self.kubectl("get", "rs", "-l", "app=orphaner", "-o", "json").stdout)["items"]
        self.assertEqual(len(replicasets), 1)
        self.assertNotIn("ownerReferences", replicasets[0]["metadata"])

    # -- identity --------------------------------------------------------------------------------------

    def test_can_i_answers_from_rbac(self) -> None:
        self.assertEqual(self.kubectl("auth", "can-i", "create", "pods").stdout.strip(), "yes")
        refused = self.kubectl("auth", "can-i", "delete", "pods", "--as", "viewer", check=False)
        self.assertEqual((refused.returncode, refused.stdout.strip()), (1, "no"))

    def test_can_i_list_shows_the_rules_of_the_impersonated_user(self) -> None:
        rules = self.kubectl("auth", "can-i", "--list", "--as", "viewer", "-n", "default").stdout
        self.assertRegex(rules, r"pods\s+\[\]\s+\[\]\s+\[get list\]")
        self.assertNotIn("*.*", rules)
        self.assertRegex(self.kubectl("auth", "can-i", "--list").stdout, r"\*\.\*\s+\[\]\s+\[\]\s+\[\*\]")

    def test_an_impersonated_user_is_held_to_its_own_grants(self) -> None:
        self.kubectl("get", "pods", "--as", "viewer")
        self.assertEqual(
            self.refused("get", "pods", "-n", "kube-system", "--as", "viewer"),
            'Error from server (Forbidden): pods is forbidden: User "viewer" cannot list resource "pods" in API '
            'group "" in the namespace "kube-system"',
        )
        recorded = [r for r in self.cluster.requests if r.identity == "viewer"]
        self.assertTrue(recorded)
        self.assertTrue(all(r.impersonator == "kubernetes-admin" for r in recorded))

    def test_whoami_shows_the_impersonated_user_and_groups(self) -> None:
        whoami = json.loads(self.kubectl("auth", "whoami", "--as", "viewer", "--as-group", "devs", "-o", "json").stdout)
        self.assertEqual(
            whoami["status"]["userInfo"], {"username": "viewer", "groups": ["devs", "system:authenticated"]}
        )
