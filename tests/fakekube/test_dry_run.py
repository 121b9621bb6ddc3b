"""`dryRun=All`: full validation and a real answer, nothing stored."""

from __future__ import annotations

from .base import FakeClusterTestCase, deployment_manifest, pod_manifest


class DryRunTests(FakeClusterTestCase):
    def setUp(self) -> None:
        self.cluster.clear_requests()

    def test_a_dry_run_create_answers_but_stores_nothing(self) -> None:
        version = self.cluster.store.resource_version
        created = self.core.create_namespaced_pod("default", pod_manifest("dry-pod"), dry_run="All")
        self.assertEqual(created.metadata.name, "dry-pod")
        self.assertTrue(created.metadata.uid)
        self.assertIsNone(self.cluster.get_object("pods", "default", "dry-pod"))
        self.assertEqual(self.cluster.store.resource_version, version)
        self.assertEqual(self.cluster.mutations(), [])
        self.assertTrue(self.cluster.requests[-1].dry_run)

    def test_a_dry_run_still_validates(self) -> None:
        with self.assertApiError(422, "Invalid"):
            self.core.create_namespaced_config_map("default", {"metadata": {"name": "NOPE"}}, dry_run="All")
        with self.assertApiError(404):
            self.core.create_namespaced_config_map("nowhere", {"metadata": {"name": "x"}}, dry_run="All")

    def test_dry_run_update_patch_and_delete_leave_the_object_alone(self) -> None:
        self.apps.create_namespaced_deployment("default", deployment_manifest("dry-deploy", replicas=1))
        before = self.cluster.get_object("deployments", "default", "dry-deploy", "apps")
        patched = self.apps.patch_namespaced_deployment(
            "dry-deploy", "default", {"spec": {"replicas": 5}}, dry_run="All"
        )
        self.assertEqual(patched.spec.replicas, 5)
        live = self.apps.read_namespaced_deployment("dry-deploy", "default")
        live.spec.replicas = 7
        self.assertEqual(
            self.apps.replace_namespaced_deployment("dry-deploy", "default", live, dry_run="All").spec.replicas, 7
        )
        self.apps.delete_namespaced_deployment("dry-deploy", "default", dry_run="All")
        after = self.cluster.get_object("deployments", "default", "dry-deploy", "apps")
        self.assertIs(after, before)
        self.assertEqual(len(self.cluster.list_objects("pods", "default")), 1)

    def test_an_unknown_dry_run_value_is_refused(self) -> None:
        with self.assertApiError(422, "Invalid") as error:
            self.core.create_namespaced_config_map("default", {"metadata": {"name": "x"}}, dry_run="Sometimes")
        self.assertIn('supported values: "All"', error.body["message"])

    def test_mutations_lists_only_real_writes(self) -> None:
        self.core.create_namespaced_config_map("default", {"metadata": {"name": "real-write"}})
        self.core.read_namespaced_config_map("real-write", "default")
        self.core.delete_namespaced_config_map("real-write", "default", dry_run="All")
        mutations = self.cluster.mutations()
        self.assertEqual([(m.verb, m.resource, m.name) for m in mutations], [("create", "configmaps", "")])
        self.assertEqual(mutations[0].status, 201)
