"""CustomResourceDefinitions: discovery, CRUD for the new type, and removal."""

from __future__ import annotations

from kubernetes import client
from kubernetes.dynamic import DynamicClient

from .base import FakeClusterTestCase

WIDGETS = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {
            "plural": "widgets",
            "singular": "widget",
            "kind": "Widget",
            "shortNames": ["wd"],
            "listKind": "WidgetList",
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {
                    "status": {},
                    "scale": {"specReplicasPath": ".spec.size", "statusReplicasPath": ".status.size"},
                },
                "additionalPrinterColumns": [
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                ],
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            }
        ],
    },
}


class CrdTests(FakeClusterTestCase):
    def setUp(self) -> None:
        extensions = client.ApiextensionsV1Api(self.api)
        if (
            self.cluster.get_object("customresourcedefinitions", None, "widgets.example.com", "apiextensions.k8s.io")
            is None
        ):
            extensions.create_custom_resource_definition(WIDGETS)
        self.custom = client.CustomObjectsApi(self.api)

    def widget(self, name: str, size: int = 1) -> dict:
        return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}, "spec": {"size": size}}

    def test_a_new_crd_is_established_and_discoverable(self) -> None:
        crd = client.ApiextensionsV1Api(self.api).read_custom_resource_definition("widgets.example.com")
        self.assertIn("Established", [c.type for c in crd.status.conditions])
        resources = client.CustomObjectsApi(self.api).get_api_resources("example.com", "v1")
        names = {r.name: r for r in resources.resources}
        self.assertEqual((names["widgets"].kind, names["widgets"].short_names), ("Widget", ["wd"]))
        self.assertIn("widgets/status", names)

    def test_custom_objects_support_crud(self) -> None:
        created = self.custom.create_namespaced_custom_object(
            "example.com", "v1", "default", "widgets", self.widget("crud")
        )
        self.assertEqual(created["metadata"]["generation"], 1)
        listed = self.custom.list_namespaced_custom_object("example.com", "v1", "default", "widgets")
        self.assertEqual(listed["kind"], "WidgetList")
        self.assertIn("crud", [item["metadata"]["name"] for item in listed["items"]])
        patched = self.custom.patch_namespaced_custom_object(
            "example.com", "v1", "default", "widgets", "crud", {"spec": {"size": 3}}
        )
        self.assertEqual((patched["spec"]["size"], patched["metadata"]["generation"]), (3, 2))
        deleted = self.custom.delete_namespaced_custom_object("example.com", "v1", "default", "widgets", "crud")
        self.assertEqual(deleted["metadata"]["name"], "crud")
        with self.assertApiError(404) as error:
            self.custom.get_namespaced_custom_object("example.com", "v1", "default", "widgets", "crud")
        self.assertEqual(error.body["message"], 'widgets.example.com "crud" not found')

    def test_a_strategic_merge_patch_on_a_custom_resource_is_refused(self) -> None:
        # The typed CustomObjectsApi never sends one; the dynamic client lets us choose the content type.
        self.custom.create_namespaced_custom_object("example.com", "v1", "default", "widgets", self.widget("smp"))
        with self.assertApiError(415, "UnsupportedMediaType") as error:
            widgets = DynamicClient(self.api).resources.get(api_version="example.com/v1", kind="Widget")
            widgets.patch(
                name="smp",
                namespace="default",
                body={"spec": {"size": 2}},
                content_type="application/strategic-merge-patch+json",
            )
        self.assertNotIn("strategic", error.body["message"])

    def test_the_dynamic_client_finds_a_crd_after_invalidating_its_cache(self) -> None:
        dynamic = DynamicClient(self.api)
        extensions = client.ApiextensionsV1Api(self.api)
        gadgets = {
            **WIDGETS,
            "metadata": {"name": "gadgets.example.com"},
            "spec": {
                **WIDGETS["spec"],
                "scope": "Cluster",
                "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
            },
        }
        extensions.create_custom_resource_definition(gadgets)
        dynamic.resources.invalidate_cache()
        resource = dynamic.resources.get(api_version="example.com/v1", kind="Gadget")
        self.assertFalse(resource.namespaced)
        resource.create(body={"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g1"}})
        self.assertEqual([g.metadata.name for g in resource.get().items], ["g1"])
        extensions.delete_custom_resource_definition("gadgets.example.com")
        self.assertIsNone(self.cluster.registry.lookup("example.com", "v1", "gadgets"))
        self.assertEqual(self.cluster.list_objects("gadgets", group="example.com"), [])
        with self.assertApiError(404):
            self.custom.list_cluster_custom_object("example.com", "v1", "gadgets")

    def test_an_invalid_crd_is_refused(self) -> None:
        with self.assertApiError(422, "Invalid") as error:
            client.ApiextensionsV1Api(self.api).create_custom_resource_definition(
                {**WIDGETS, "metadata": {"name": "wrong.example.com"}}
            )
        self.assertIn('must be spec.names.plural+"."+spec.group', error.body["message"])

    def test_the_status_subresource_of_a_custom_resource(self) -> None:
        self.custom.create_namespaced_custom_object("example.com", "v1", "default", "widgets", self.widget("st"))
        updated = self.custom.patch_namespaced_custom_object_status(
            "example.com", "v1", "default", "widgets", "st", {"status": {"ready": True}}
        )
        self.assertEqual(updated["status"], {"ready": True})
        ignored = self.custom.patch_namespaced_custom_object(
            "example.com", "v1", "default", "widgets", "st", {"status": {"ready": False}}
        )
        self.assertEqual(ignored["status"], {"ready": True})

    def test_kubectl_prints_the_crds_printer_columns(self) -> None:
        self.custom.create_namespaced_custom_object("example.com", "v1", "default", "widgets", self.widget("big", 7))
        result = self.kubectl("get", "widgets", "big")
        header, row = result.stdout.splitlines()
        self.assertEqual(header.split(), ["NAME", "SIZE", "AGE"])
        self.assertEqual(row.split()[:2], ["big", "7"])

    def test_the_scale_subresource_follows_the_crds_paths(self) -> None:
        self.custom.create_namespaced_custom_object("example.com", "v1", "default", "widgets", self.widget("sc", 2))
        scale = self.custom.get_namespaced_custom_object_scale("example.com", "v1", "default", "widgets", "sc")
        self.assertEqual((scale["kind"], scale["spec"]["replicas"]), ("Scale", 2))
        self.custom.patch_namespaced_custom_object_scale(
            "example.com", "v1", "default", "widgets", "sc", {"spec": {"replicas": 5}}
        )
        self.assertEqual(self.cluster.get_object("widgets", "default", "sc", "example.com")["spec"]["size"], 5)
        self.assertEqual(self.kubectl("scale", "widgets/sc", "--replicas=1").returncode, 0)
        self.assertEqual(self.cluster.get_object("widgets", "default", "sc", "example.com")["spec"]["size"], 1)
