"""Merge, JSON and strategic merge patches, as the official client sends them."""

from __future__ import annotations

import json
import urllib.request

from kubernetes.dynamic import DynamicClient

from .base import FakeClusterTestCase, deployment_manifest


def patch(url: str, body: object, content_type: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="PATCH", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class PatchTests(FakeClusterTestCase):
    def make_deployment(self, name: str) -> None:
        manifest = deployment_manifest(name, replicas=1)
        manifest["spec"]["template"]["spec"]["containers"] = [
            {
                "name": "app",
                "image": "app:1",
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                "ports": [{"containerPort": 80}],
            },
            {"name": "sidecar", "image": "proxy:1"},
        ]
        manifest["spec"]["template"]["spec"]["tolerations"] = [{"key": "a", "operator": "Exists"}]
        self.apps.create_namespaced_deployment("default", manifest)

    def url(self, name: str) -> str:
        return f"{self.running.url}/apis/apps/v1/namespaces/default/deployments/{name}"

    def test_a_strategic_patch_merges_containers_by_name(self) -> None:
        self.make_deployment("smp-containers")
        patched = self.apps.patch_namespaced_deployment(
            "smp-containers",
            "default",
            {
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [
                                {
                                    "name": "app",
                                    "image": "app:2",
                                    "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
                                }
                            ]
                        }
                    }
                }
            },
        )
        containers = {c.name: c for c in patched.spec.template.spec.containers}
        self.assertEqual(set(containers), {"app", "sidecar"})
        self.assertEqual(containers["app"].image, "app:2")
        self.assertEqual([(e.name, e.value) for e in containers["app"].env], [("A", "1"), ("B", "3"), ("C", "4")])
        self.assertEqual(containers["app"].ports[0].container_port, 80)

    def test_a_strategic_patch_honours_delete_and_replace_directives(self) -> None:
        self.make_deployment("smp-directives")
        status, body = patch(
            self.url("smp-directives"),
            {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}},
            "application/strategic-merge-patch+json",
        )
        self.assertEqual(status, 200)
        self.assertEqual([c["name"] for c in body["spec"]["template"]["spec"]["containers"]], ["app"])
        status, body = patch(
            self.url("smp-directives"),
            {
                "spec": {
                    "template": {"spec": {"containers": [{"name": "only", "image": "only:1"}, {"$patch": "replace"}]}}
                }
            },
            "application/strategic-merge-patch+json",
        )
        self.assertEqual([c["name"] for c in body["spec"]["template"]["spec"]["containers"]], ["only"])

    def test_a_strategic_patch_replaces_tolerations(self) -> None:
        self.make_deployment("smp-tolerations")
        patched = self.apps.patch_namespaced_deployment(
            "smp-tolerations",
            "default",
            {"spec": {"template": {"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}}}},
        )
        self.assertEqual([t.key for t in patched.spec.template.spec.tolerations], ["b"])

    def test_a_merge_patch_replaces_lists_and_removes_nulls(self) -> None:
        self.make_deployment("merge-patch")
        status, body = patch(
            self.url("merge-patch"),
            {
                "metadata": {"labels": {"x": "1"}},
                "spec": {"template": {"spec": {"containers": [{"name": "solo", "image": "solo:1"}]}}},
            },
            "application/merge-patch+json",
        )
        self.assertEqual(status, 200)
        self.assertEqual([c["name"] for c in body["spec"]["template"]["spec"]["containers"]], ["solo"])
        status, body = patch(
            self.url("merge-patch"), {"metadata": {"labels": {"x": None}}}, "application/merge-patch+json"
        )
        self.assertNotIn("x", body["metadata"].get("labels") or {})

    def test_a_json_patch_applies_operations_in_order(self) -> None:
        self.make_deployment("json-patch")
        patched = self.apps.patch_namespaced_deployment(
            "json-patch",
            "default",
            [
                {"op": "replace", "path": "/spec/replicas", "value": 3},
                {"op": "add", "path": "/metadata/annotations", "value": {"note": "hi"}},
            ],
        )
        self.assertEqual((patched.spec.replicas, patched.metadata.annotations["note"]), (3, "hi"))

    def test_a_failed_json_patch_test_is_refused(self) -> None:
        self.make_deployment("json-test")
        status, body = patch(
            self.url("json-test"), [{"op": "test", "path": "/spec/replicas", "value": 9}], "application/json-patch+json"
        )
        self.assertEqual((status, body["kind"]), (422, "Status"))

    def test_a_patch_with_a_stale_resource_version_conflicts(self) -> None:
        self.make_deployment("patch-stale")
        status, body = patch(
            self.url("patch-stale"), {"metadata": {"resourceVersion": "1"}}, "application/merge-patch+json"
        )
        self.assertEqual((status, body["reason"]), (409, "Conflict"))

    def test_an_unknown_patch_type_is_refused(self) -> None:
        self.make_deployment("patch-type")
        status, body = patch(self.url("patch-type"), {}, "text/plain")
        self.assertEqual((status, body["reason"]), (415, "UnsupportedMediaType"))

    def test_the_service_port_list_merges_on_port(self) -> None:
        self.core.create_namespaced_service(
            "default",
            {
                "metadata": {"name": "smp-svc"},
                "spec": {
                    "selector": {"app": "x"},
                    "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}],
                },
            },
        )
        patched = self.core.patch_namespaced_service(
            "smp-svc", "default", {"spec": {"ports": [{"port": 443, "targetPort": 8443}]}}
        )
        ports = {p.port: p for p in patched.spec.ports}
        self.assertEqual(set(ports), {80, 443})
        self.assertEqual(ports[443].target_port, 8443)

    def test_the_dynamic_client_patches_through_the_same_path(self) -> None:
        self.make_deployment("dyn-patch")
        deployments = DynamicClient(self.api).resources.get(api_version="apps/v1", kind="Deployment")
        patched = deployments.patch(
            name="dyn-patch",
            namespace="default",
            body={"spec": {"replicas": 2}},
            content_type="application/merge-patch+json",
        )
        self.assertEqual(patched.spec.replicas, 2)
