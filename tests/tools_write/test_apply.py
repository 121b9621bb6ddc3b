from __future__ import annotations

from typing import ClassVar

from fakekube.operations import WriteOptions
from fakekube.patches import APPLY_PATCH
from tests.tools_write.base import WritingTestCase, as_yaml, configmap, deployment


class ApplyTests(WritingTestCase):
    def apply_as(self, manager: str, obj: dict) -> None:
        """Server-side apply by another field manager, straight into the fake (as helm or kubectl would)."""
        kind = self.fake.resource_type("configmaps")
        meta = obj["metadata"]
        self.fake.operations.patch(
            kind,
            meta.get("namespace", "default"),
            meta["name"],
            APPLY_PATCH,
            obj,
            WriteOptions(field_manager=manager),
            manager,
        )

    def test_it_creates_then_configures_then_leaves_unchanged(self) -> None:
        manifest = as_yaml(deployment("store", "default", image="nginx:1.27"))
        self.assertEqual(self.text("apply", manifest=manifest), "deployment.apps/store created")
        self.assertEqual(self.text("apply", manifest=manifest), "deployment.apps/store unchanged")
        changed = as_yaml(deployment("store", "default", image="nginx:1.28"))
        self.assertEqual(self.text("apply", manifest=changed), "deployment.apps/store configured")
        stored = self.fake.get_object("deployments", "default", "store", group="apps")
        self.assertEqual(stored["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.28")

    def test_output_yaml_shows_the_applied_objects_without_bookkeeping(self) -> None:
        text = self.text("apply", manifest=configmap("shown-after", "default", a="1"), output="yaml")
        self.assertTrue(text.startswith("configmap/shown-after created\n---\n"), text)
        self.assertIn("name: shown-after", text)
        self.assertNotIn("managedFields", text)

    def test_it_sends_a_server_side_apply_with_the_kubemcp_field_manager(self) -> None:
        self.fake.clear_requests()
        self.text("apply", manifest=configmap("ssa", "default", key="value"))
        patches = [entry for entry in self.fake.requests if entry.method == "PATCH"]
        self.assertEqual(len(patches), 1)
        self.assertEqual(patches[0].path, "/api/v1/namespaces/default/configmaps/ssa")
        self.assertEqual(patches[0].content_type.split(";")[0], "application/apply-patch+yaml")
        self.assertEqual(patches[0].query.get("fieldManager"), "kubemcp")
        self.assertNotIn("force", patches[0].query)
        managers = [
            entry["manager"]
            for entry in self.fake.get_object("configmaps", "default", "ssa")["metadata"]["managedFields"]
        ]
        self.assertEqual(managers, ["kubemcp"])

    def test_a_conflict_says_to_pass_force_and_force_takes_the_fields_over(self) -> None:
        self.apply_as("helm", configmap("owned", "default", level="info"))
        text = self.error("apply", manifest=configmap("owned", "default", level="debug"))
        self.assertIn('conflict with "helm"', text)
        self.assertIn("pass force: true", text)
        self.assertEqual(self.fake.get_object("configmaps", "default", "owned")["data"], {"level": "info"})
        self.assertEqual(
            self.text("apply", manifest=configmap("owned", "default", level="debug"), force=True),
            "configmap/owned configured",
        )
        self.assertEqual(self.fake.get_object("configmaps", "default", "owned")["data"], {"level": "debug"})

    def test_a_failing_middle_document_stops_the_rest_and_says_so(self) -> None:
        broken = deployment("broken", "no-such-namespace")
        self.fake.clear_requests()
        text = self.error("apply", manifest=as_yaml(configmap("first-ok"), broken, configmap("third-skipped")))
        self.assertIn("1 of 3 documents succeeded; document 2 (Deployment broken) failed", text)
        self.assertIn("succeeded: configmap/first-ok created", text)
        self.assertIn('FAILED: document 2 (Deployment broken): namespaces "no-such-namespace" not found', text)
        self.assertIn("not attempted: document 3 (ConfigMap third-skipped)", text)
        self.assertIsNotNone(self.fake.get_object("configmaps", "default", "first-ok"))
        self.assertIsNone(self.fake.get_object("configmaps", "default", "third-skipped"))
        self.assertNotIn("third-skipped", " ".join(entry.path for entry in self.fake.requests))

    def test_a_restricted_namespace_in_a_documents_own_metadata_refuses_the_whole_manifest(self) -> None:
        self.fake.clear_requests()
        manifest = as_yaml(configmap("harmless", "default"), configmap("sneaky", "kube-system"))
        text = self.error("apply", manifest=manifest)
        self.assertIn('document 2 (ConfigMap sneaky): access to namespace "kube-system" is restricted', text)
        self.assertIn("no document was sent", text)
        self.assertEqual(self.fake.mutations(), [])
        self.assertIsNone(self.fake.get_object("configmaps", "default", "harmless"))

    def test_a_namespace_object_named_after_a_restricted_namespace_is_refused(self) -> None:
        self.fake.clear_requests()
        text = self.error(
            "apply",
            manifest={
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": "kube-system", "labels": {"x": "y"}},
            },
        )
        self.assertIn('access to namespace "kube-system" is restricted', text)
        self.assertEqual(self.fake.mutations(), [])

    def test_apply_needs_a_name(self) -> None:
        text = self.error(
            "apply", manifest={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "x-"}}
        )
        self.assertIn("has no name; add metadata.name (apply needs a name)", text)

    def test_a_custom_resource_is_applied_through_discovery(self) -> None:
        crd = {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
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
        self.assertEqual(
            self.text("apply", manifest=crd),
            "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created",
        )
        widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}}
        self.assertEqual(self.text("apply", manifest=widget), "widget.example.com/w1 created")
        self.assertEqual(self.fake.get_object("widgets", "default", "w1", group="example.com")["spec"], {"size": 3})


class ApplyInDryRunModeTests(WritingTestCase):
    server_env: ClassVar[dict[str, str]] = {"NON_DESTRUCTIVE": "true", "DRY_RUN": "true"}

    def test_it_says_nothing_changed_and_the_cluster_stores_nothing(self) -> None:
        self.fake.clear_requests()
        text = self.text(
            "apply", manifest=as_yaml(configmap("dry-1", "default", a="1"), deployment("dry-2", "default"))
        )
        self.assertEqual(text.splitlines()[0], "Dry run: the API server validated this change; nothing was changed.")
        self.assertIn("configmap/dry-1 created (server dry run)", text)
        self.assertIn("deployment.apps/dry-2 created (server dry run)", text)
        self.assertIsNone(self.fake.get_object("configmaps", "default", "dry-1"))
        self.assertIsNone(self.fake.get_object("deployments", "default", "dry-2", group="apps"))
        writes = [entry for entry in self.fake.requests if entry.method != "GET"]
        self.assertEqual(len(writes), 2)
        self.assertTrue(all(entry.query.get("dryRun") == "All" for entry in writes))
        self.assertEqual(self.fake.mutations(), [])

    def test_a_dry_run_of_a_change_reports_configured(self) -> None:
        self.fake.add_object(configmap("dry-existing", "default", a="1"))
        text = self.text("apply", manifest=configmap("dry-existing", "default", a="2"))
        self.assertIn("configmap/dry-existing configured (server dry run)", text)
        self.assertEqual(self.fake.get_object("configmaps", "default", "dry-existing")["data"], {"a": "1"})


def crd(plural: str, kind: str) -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.acme.io"},
        "spec": {
            "group": "acme.io",
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind},
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


class DefinitionAndObjectsInOneManifestTests(WritingTestCase):
    def test_objects_of_a_kind_defined_earlier_in_the_manifest_are_applied_after_it(self) -> None:
        robot = {"apiVersion": "acme.io/v1", "kind": "Robot", "metadata": {"name": "r2"}, "spec": {"arms": 2}}
        text = self.text("apply", manifest=as_yaml(crd("robots", "Robot"), robot))
        self.assertEqual(
            text, "customresourcedefinition.apiextensions.k8s.io/robots.acme.io created\nrobot.acme.io/r2 created"
        )
        self.assertEqual(self.fake.get_object("robots", "default", "r2", group="acme.io")["spec"], {"arms": 2})

    def test_a_kind_defined_nowhere_is_still_unknown(self) -> None:
        text = self.error(
            "apply",
            manifest=as_yaml(
                crd("drones", "Drone"), {"apiVersion": "acme.io/v1", "kind": "Rover", "metadata": {"name": "x"}}
            ),
        )
        self.assertIn("document 2 (Rover x): unknown resource type 'Rover'", text)
        self.assertIsNone(
            self.fake.get_object("customresourcedefinitions", None, "drones.acme.io", group="apiextensions.k8s.io")
        )


class DefinitionAndObjectsInDryRunModeTests(WritingTestCase):
    server_env: ClassVar[dict[str, str]] = {"NON_DESTRUCTIVE": "true", "DRY_RUN": "true"}

    def test_the_object_cannot_be_validated_and_the_answer_says_why(self) -> None:
        robot = {"apiVersion": "acme.io/v1", "kind": "Robot", "metadata": {"name": "r2"}}
        text = self.error("apply", manifest=as_yaml(crd("robots", "Robot"), robot))
        self.assertIn("1 of 2 documents succeeded; document 2 (Robot r2) failed (dry run: nothing was changed)", text)
        self.assertIn("a dry run does not create", text)
        self.assertEqual(self.fake.mutations(), [])
