"""The fake's OpenAPI v3 documents describe every built-in kind's fields the way real ones do."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import kubernetes
import kubernetes_validate
from django.test import SimpleTestCase

from fakekube import FakeCluster, openapi
from fakekube.types import ResourceType, TypeRegistry

REF = "#/components/schemas/"


class OpenAPIFieldSchemaTests(SimpleTestCase):
    def fetch(self, url: str, path: str) -> Any:
        with urllib.request.urlopen(url + path, timeout=30) as response:
            return json.loads(response.read())

    def documents(self, fake: FakeCluster, *group_versions: str) -> list[dict[str, Any]]:
        with fake.serve() as running:
            index = self.fetch(running.url, "/openapi/v3")
            return [
                self.fetch(running.url, index["paths"][path]["serverRelativeURL"])["components"]["schemas"]
                for path in group_versions
            ]

    def test_apps_v1_describes_deployment_fields_with_references_and_keeps_its_gvk(self) -> None:
        schemas, core = self.documents(FakeCluster(), "apis/apps/v1", "api/v1")
        deployment = schemas["io.k8s.api.apps.v1.Deployment"]
        self.assertEqual(
            deployment["x-kubernetes-group-version-kind"], [{"group": "apps", "kind": "Deployment", "version": "v1"}]
        )
        self.assertEqual(
            deployment["properties"]["spec"]["allOf"],
            [{"$ref": REF + "io.k8s.api.apps.v1.DeploymentSpec"}],
        )
        self.assertIn("io.k8s.api.core.v1.PodSpec", schemas)
        self.assertEqual(schemas["io.k8s.api.apps.v1.DeploymentSpec"]["required"], ["selector", "template"])
        self.assertIn("containers", core["io.k8s.api.core.v1.PodSpec"]["properties"])

    def test_every_reference_resolves_within_its_document(self) -> None:
        for schemas in self.documents(FakeCluster(), "api/v1", "apis/batch/v1", "apis/apiextensions.k8s.io/v1"):
            text = json.dumps(schemas)
            names = {part.split('"', 1)[0] for part in text.split('"$ref": "' + REF)[1:]}
            self.assertTrue(names)
            self.assertEqual(names - set(schemas), set())

    def test_fields_carry_their_descriptions_and_special_types(self) -> None:
        (core,) = self.documents(FakeCluster(), "api/v1")
        config_map = core["io.k8s.api.core.v1.ConfigMap"]
        self.assertEqual(config_map["description"], "ConfigMap holds configuration data for pods to consume.")
        self.assertEqual(config_map["properties"]["data"]["additionalProperties"], {"type": "string", "default": ""})
        self.assertIn("Data contains the configuration data.", config_map["properties"]["data"]["description"])
        port = core["io.k8s.api.core.v1.ServicePort"]
        self.assertEqual(port["required"], ["port"])
        self.assertEqual(
            port["properties"]["targetPort"]["allOf"],
            [{"$ref": REF + "io.k8s.apimachinery.pkg.util.intstr.IntOrString"}],
        )
        limits = core["io.k8s.api.core.v1.ResourceRequirements"]["properties"]["limits"]
        self.assertEqual(
            limits["additionalProperties"]["allOf"], [{"$ref": REF + "io.k8s.apimachinery.pkg.api.resource.Quantity"}]
        )
        self.assertEqual(
            core["io.k8s.api.core.v1.Pod"]["properties"]["metadata"]["allOf"],
            [{"$ref": REF + "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}],
        )

    def test_a_custom_resource_s_schema_names_only_its_kind(self) -> None:
        fake = FakeCluster()
        fake.registry.add(ResourceType("example.com", "v1", "widgets", "widget", "Widget", True, custom=True))
        (schemas,) = self.documents(fake, "apis/example.com/v1")
        self.assertEqual(
            schemas["com.example.v1.Widget"],
            {
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": True,
                "x-kubernetes-group-version-kind": [{"group": "example.com", "kind": "Widget", "version": "v1"}],
            },
        )

    def test_the_index_hash_changes_with_the_types_served(self) -> None:
        fake = FakeCluster()
        with fake.serve() as running:
            before = self.fetch(running.url, "/openapi/v3")["paths"]["apis/apps/v1"]["serverRelativeURL"]
            fake.registry.remove("apps", "v1", "daemonsets")
            after = self.fetch(running.url, "/openapi/v3")["paths"]["apis/apps/v1"]["serverRelativeURL"]
        self.assertNotEqual(before, after)


class RealDefinitionsTests(SimpleTestCase):
    """Against the definitions of the real API server's OpenAPI document of the client's release, as
    kubernetes-validate ships them (a copy nobody here wrote): the same types, fields and required fields."""

    def real_definitions(self) -> dict[str, Any]:
        release = f"v1.{kubernetes.__version__.split('.')[0]}.0-local"
        path = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / release / "_definitions.json"
        self.assertTrue(path.exists(), f"kubernetes-validate has no definitions for {release}")
        definitions: dict[str, Any] = json.loads(path.read_text())["$defs"]
        return definitions

    def test_every_generated_type_has_the_real_fields_and_required_fields(self) -> None:
        real = self.real_definitions()
        registry = TypeRegistry.builtin(metrics_api=False)
        compared: set[str] = set()
        kinds: list[str] = []
        for group, versions in registry.groups().items():
            for version in versions:
                document = openapi.group_version_document(registry, group, version)
                assert document is not None
                for name, schema in document["components"]["schemas"].items():
                    if "x-kubernetes-group-version-kind" in schema:
                        kinds.append(name)
                    if name not in real:
                        continue
                    compared.add(name)
                    with self.subTest(name):
                        self.assertEqual(set(schema.get("properties", {})), set(real[name].get("properties", {})))
                        self.assertEqual(sorted(schema.get("required", [])), sorted(real[name].get("required", [])))
        self.assertEqual([name for name in kinds if name not in real], [])
        self.assertGreater(len(compared), 350)  # of some 370 types the documents name
