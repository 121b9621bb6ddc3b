from __future__ import annotations

from typing import ClassVar

from tests.tools_write.base import WritingTestCase, configmap, deployment


def labelled(name: str, **labels: str) -> dict:
    obj = configmap(name, "default")
    obj["metadata"]["labels"] = labels
    return obj


class DeleteTests(WritingTestCase):
    def test_it_deletes_one_object_by_name_like_kubectl_says(self) -> None:
        self.fake.add_object(configmap("doomed", "default"))
        self.assertEqual(self.text("delete", resourceType="cm", name="doomed"), 'configmap "doomed" deleted')
        self.assertIsNone(self.fake.get_object("configmaps", "default", "doomed"))

    def test_it_passes_grace_period_and_propagation_policy(self) -> None:
        self.fake.add_object(deployment("orphaning", "default"))
        replicasets = [
            rs["metadata"]["name"]
            for rs in self.fake.list_objects("replicasets", "default", group="apps")
            if rs["metadata"]["name"].startswith("orphaning-")
        ]
        self.assertTrue(replicasets)
        self.fake.clear_requests()
        text = self.text(
            "delete",
            resourceType="deployments",
            apiGroup="apps",
            name="orphaning",
            gracePeriodSeconds=0,
            propagationPolicy="Orphan",
        )
        self.assertEqual(text, 'deployment.apps "orphaning" deleted')
        deletes = [entry for entry in self.fake.requests if entry.method == "DELETE"]
        self.assertEqual(deletes[0].path, "/apis/apps/v1/namespaces/default/deployments/orphaning")
        self.assertEqual(deletes[0].query.get("propagationPolicy"), "Orphan")
        self.assertEqual(deletes[0].query.get("gracePeriodSeconds"), "0")
        self.assertIsNotNone(self.fake.get_object("replicasets", "default", replicasets[0], group="apps"))

    def test_a_missing_object_is_a_clear_error(self) -> None:
        text = self.error("delete", resourceType="configmap", name="never-existed")
        self.assertIn('configmaps "never-existed" not found; check the name and namespace', text)

    def test_it_deletes_every_object_a_label_selector_matches(self) -> None:
        for name in ("sel-a", "sel-b"):
            self.fake.add_object(labelled(name, batch="old"))
        self.fake.add_object(labelled("sel-keep", batch="new"))
        text = self.text("delete", resourceType="configmaps", labelSelector="batch=old")
        self.assertEqual(text, 'configmap "sel-a" deleted\nconfigmap "sel-b" deleted')
        self.assertIsNone(self.fake.get_object("configmaps", "default", "sel-a"))
        self.assertIsNotNone(self.fake.get_object("configmaps", "default", "sel-keep"))

    def test_a_selector_matching_nothing_says_so(self) -> None:
        text = self.error("delete", resourceType="configmaps", labelSelector="batch=none")
        self.assertIn("no configmaps match labelSelector 'batch=none' in namespace default; nothing was deleted", text)

    def test_more_than_a_hundred_matches_need_confirm_many(self) -> None:
        for index in range(102):
            self.fake.add_object(labelled(f"bulk-{index:03}", bulk="yes"))
        self.fake.clear_requests()
        text = self.error("delete", resourceType="configmaps", labelSelector="bulk=yes")
        self.assertIn("matches 102 configmaps in namespace default; nothing was deleted", text)
        self.assertIn("confirmMany: true", text)
        self.assertEqual(self.fake.mutations(), [])
        self.fake.clear_requests()
        text = self.text("delete", resourceType="configmaps", labelSelector="bulk=yes", confirmMany=True)
        self.assertTrue(
            text.startswith("102 configmaps matching labelSelector 'bulk=yes' in namespace default deleted: bulk-000, ")
        )
        deletes = [
            (entry.path, entry.query.get("labelSelector")) for entry in self.fake.requests if entry.method == "DELETE"
        ]
        self.assertEqual(deletes, [("/api/v1/namespaces/default/configmaps", "bulk=yes")])
        self.assertFalse(
            [cm for cm in self.fake.list_objects("configmaps", "default") if cm["metadata"]["name"].startswith("bulk-")]
        )

    def test_name_and_label_selector_are_exclusive(self) -> None:
        self.assertIn("give either name", self.error("delete", resourceType="cm", name="x", labelSelector="a=b"))
        self.assertIn("give either name", self.error("delete", resourceType="cm"))

    def test_a_restricted_namespace_and_its_namespace_object_are_refused(self) -> None:
        self.fake.clear_requests()
        self.assertIn(
            'namespace "kube-system" is restricted',
            self.error("delete", resourceType="cm", name="coredns", namespace="kube-system"),
        )
        self.assertIn(
            'namespace "kube-system" is restricted', self.error("delete", resourceType="ns", name="kube-system")
        )
        self.assertEqual(self.fake.mutations(), [])
        self.assertIsNotNone(self.fake.get_object("namespaces", None, "kube-system"))


class DeleteInDryRunModeTests(WritingTestCase):
    server_env: ClassVar[dict[str, str]] = {"NON_DESTRUCTIVE": "true", "DRY_RUN": "true"}

    def test_a_dry_run_delete_keeps_the_object(self) -> None:
        self.fake.add_object(configmap("survivor", "default"))
        self.fake.clear_requests()
        text = self.text("delete", resourceType="cm", name="survivor")
        self.assertEqual(
            text,
            "Dry run: the API server validated this change; nothing was changed.\n"
            'configmap "survivor" deleted (server dry run)',
        )
        self.assertIsNotNone(self.fake.get_object("configmaps", "default", "survivor"))
        self.assertEqual(self.fake.mutations(), [])
        self.assertEqual(
            [entry.query.get("dryRun") for entry in self.fake.requests if entry.method == "DELETE"], ["All"]
        )
