"""The fake's OpenAPI v3 documents describe Deployment and Pod fields the way real ones do."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from django.test import SimpleTestCase

from fakekube import FakeCluster


class OpenAPIFieldSchemaTests(SimpleTestCase):
    def fetch(self, url: str, path: str) -> Any:
        with urllib.request.urlopen(url + path, timeout=5) as response:
            return json.loads(response.read())

    def test_apps_v1_describes_deployment_fields_with_references_and_keeps_its_gvk(self) -> None:
        fake = FakeCluster()
        with fake.serve() as running:
            index = self.fetch(running.url, "/openapi/v3")
            document = self.fetch(running.url, index["paths"]["apis/apps/v1"]["serverRelativeURL"])
            core = self.fetch(running.url, index["paths"]["api/v1"]["serverRelativeURL"])
        schemas = document["components"]["schemas"]
        deployment = schemas["io.k8s.api.apps.v1.Deployment"]
        self.assertEqual(
            deployment["x-kubernetes-group-version-kind"], [{"group": "apps", "kind": "Deployment", "version": "v1"}]
        )
        self.assertEqual(
            deployment["properties"]["spec"]["allOf"],
            [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}],
        )
        self.assertIn("io.k8s.api.core.v1.PodSpec", schemas)
        self.assertEqual(schemas["io.k8s.api.apps.v1.DeploymentSpec"]["required"], ["selector", "template"])
        self.assertIn("containers", core["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"]["properties"])
        self.assertNotIn("properties", core["components"]["schemas"]["io.k8s.api.core.v1.ConfigMap"])
