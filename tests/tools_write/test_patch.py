from __future__ import annotations

import json

from k8stools.models import AuditRecord
from tests.tools_write.base import WritingTestCase, configmap, deployment

WIDGETS = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "gadgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            }
        ],
    },
}


class PatchTests(WritingTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        two = deployment("two-containers", "default")
        two["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "envoy:1"})
        cls.fake.add_object(two)
        cls.fake.add_object(WIDGETS)
        cls.fake.add_object(
            {
                "apiVersion": "example.com/v1",
                "kind": "Gadget",
                "metadata": {"name": "g1", "namespace": "default"},
                "spec": {"size": 1, "color": "red"},
            }
        )

    def patch_requests(self) -> list:
        return [entry for entry in self.fake.requests if entry.method == "PATCH"]

    def test_a_strategic_patch_is_the_default_for_built_in_kinds_and_merges_lists_by_name(self) -> None:
        self.fake.clear_requests()
        patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}}}
        self.assertEqual(
            self.text("patch", resourceType="deployment", name="two-containers", patch=patch),
            "deployment.apps/two-containers patched",
        )
        self.assertEqual(self.patch_requests()[0].content_type.split(";")[0], "application/strategic-merge-patch+json")
        containers = self.fake.get_object("deployments", "default", "two-containers", group="apps")["spec"]["template"][
            "spec"
        ]["containers"]
        self.assertEqual([(c["name"], c["image"]) for c in containers], [("web", "nginx:1.28"), ("sidecar", "envoy:1")])

    def test_a_json_patch_is_accepted_as_a_list_or_as_json_text(self) -> None:
        self.fake.add_object(configmap("jp", "default", a="1"))
        operations = [
            {"op": "replace", "path": "/data/a", "value": "2"},
            {"op": "add", "path": "/data/b", "value": "3"},
        ]
        self.assertEqual(
            self.text("patch", resourceType="cm", name="jp", patch=operations, patchType="json"), "configmap/jp patched"
        )
        self.assertEqual(self.fake.get_object("configmaps", "default", "jp")["data"], {"a": "2", "b": "3"})
        self.fake.clear_requests()
        text = self.text("patch", resourceType="cm", name="jp", patch=json.dumps([{"op": "remove", "path": "/data/b"}]))
        self.assertEqual(text, "configmap/jp patched")
        self.assertEqual(self.patch_requests()[0].content_type.split(";")[0], "application/json-patch+json")
        self.assertEqual(self.fake.get_object("configmaps", "default", "jp")["data"], {"a": "2"})

    def test_a_merge_patch_removes_a_key_set_to_null(self) -> None:
        self.fake.add_object(configmap("mp", "default", a="1", b="2"))
        self.text("patch", resourceType="cm", name="mp", patch={"data": {"b": None}}, patchType="merge")
        self.assertEqual(self.fake.get_object("configmaps", "default", "mp")["data"], {"a": "1"})

    def test_a_patch_that_changes_nothing_says_so(self) -> None:
        self.fake.add_object(configmap("same", "default", a="1"))
        self.assertEqual(
            self.text("patch", resourceType="cm", name="same", patch={"data": {"a": "1"}}),
            "configmap/same patched (no change)",
        )

    def test_output_yaml_shows_the_patched_object(self) -> None:
        self.fake.add_object(configmap("shown", "default", a="1"))
        text = self.text("patch", resourceType="cm", name="shown", patch={"data": {"a": "9"}}, output="yaml")
        self.assertIn("configmap/shown patched\n---\n", text)
        self.assertIn("a: '9'", text)
        self.assertNotIn("managedFields", text)

    def test_strategic_on_a_custom_resource_is_refused_with_a_hint_and_merge_is_its_default(self) -> None:
        self.fake.clear_requests()
        text = self.error(
            "patch", resourceType="gadgets", name="g1", patch={"spec": {"size": 2}}, patchType="strategic"
        )
        self.assertIn(
            "strategic merge patch is not supported for custom resources (gadgets.example.com); use patchType merge",
            text,
        )
        self.assertEqual(self.patch_requests(), [])
        self.assertEqual(
            self.text("patch", resourceType="gadget", name="g1", patch={"spec": {"size": 2}}),
            "gadget.example.com/g1 patched",
        )
        self.assertEqual(self.patch_requests()[0].content_type.split(";")[0], "application/merge-patch+json")
        self.assertEqual(
            self.fake.get_object("gadgets", "default", "g1", group="example.com")["spec"], {"size": 2, "color": "red"}
        )

    def test_the_patch_must_fit_its_type(self) -> None:
        self.assertIn(
            "a json patch is a list of RFC 6902 operations",
            self.error("patch", resourceType="cm", name="x", patch={"data": {}}, patchType="json"),
        )
        self.assertIn(
            "for a list of RFC 6902 operations use patchType json",
            self.error("patch", resourceType="cm", name="x", patch=[{"op": "remove", "path": "/a"}], patchType="merge"),
        )
        self.assertIn(
            "json patch operation 1 must be an object with op",
            self.error("patch", resourceType="cm", name="x", patch=[{"path": "/a"}]),
        )
        self.assertIn("patch is not valid JSON", self.error("patch", resourceType="cm", name="x", patch='{"data": '))

    def test_a_failing_json_patch_test_operation_reports_the_api_error(self) -> None:
        self.fake.add_object(configmap("guarded", "default", a="1"))
        text = self.error(
            "patch",
            resourceType="cm",
            name="guarded",
            patch=[{"op": "test", "path": "/data/a", "value": "2"}, {"op": "replace", "path": "/data/a", "value": "3"}],
        )
        self.assertIn("invalid object", text)
        self.assertEqual(self.fake.get_object("configmaps", "default", "guarded")["data"], {"a": "1"})

    def test_a_secret_patch_sent_as_json_text_is_applied_but_audited_without_its_values(self) -> None:
        self.fake.add_object(
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "default"}, "data": {}}
        )
        patch = json.dumps({"stringData": {"password": "patched-hunter2"}})
        self.text("patch", resourceType="secrets", name="db", patch=patch, patchType="merge")
        audited = AuditRecord.objects.filter(tool="patch", name="db").latest("id")
        self.assertNotIn("patched-hunter2", json.dumps(audited.arguments))
        self.assertEqual(audited.arguments["name"], "db")
