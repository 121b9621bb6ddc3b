"""Server-side apply: create or merge, managed fields per manager, conflicts and force."""

from __future__ import annotations

import json
import urllib.request

import yaml

from .base import FakeClusterTestCase


def apply(url: str, body: dict, manager: str | None = "tester", force: bool = False) -> tuple[int, dict]:
    query = []
    if manager:
        query.append(f"fieldManager={manager}")
    if force:
        query.append("force=true")
    request = urllib.request.Request(
        f"{url}?{'&'.join(query)}",
        data=yaml.safe_dump(body).encode(),
        method="PATCH",
        headers={"Content-Type": "application/apply-patch+yaml"},
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def config_map(name: str, data: dict, labels: dict | None = None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, **({"labels": labels} if labels else {})},
        "data": data,
    }


class ApplyTests(FakeClusterTestCase):
    def url(self, name: str) -> str:
        return f"{self.running.url}/api/v1/namespaces/default/configmaps/{name}"

    def test_apply_creates_a_missing_object(self) -> None:
        status, body = apply(self.url("ssa-create"), config_map("ssa-create", {"a": "1"}))
        self.assertEqual(status, 201)
        self.assertEqual(body["data"], {"a": "1"})
        entry = body["metadata"]["managedFields"][0]
        self.assertEqual((entry["manager"], entry["operation"], entry["fieldsType"]), ("tester", "Apply", "FieldsV1"))
        self.assertEqual(entry["fieldsV1"], {"f:data": {"f:a": {}}})

    def test_apply_requires_a_field_manager(self) -> None:
        status, body = apply(self.url("ssa-manager"), config_map("ssa-manager", {"a": "1"}), manager=None)
        self.assertEqual((status, body["reason"]), (400, "BadRequest"))
        self.assertIn("fieldManager", body["message"])

    def test_apply_removes_fields_the_manager_stopped_applying(self) -> None:
        apply(self.url("ssa-prune"), config_map("ssa-prune", {"a": "1", "b": "2"}))
        status, body = apply(self.url("ssa-prune"), config_map("ssa-prune", {"a": "1"}))
        self.assertEqual((status, body["data"]), (200, {"a": "1"}))

    def test_apply_keeps_fields_other_managers_own(self) -> None:
        apply(self.url("ssa-share"), config_map("ssa-share", {"a": "1"}))
        self.core.patch_namespaced_config_map("ssa-share", "default", {"data": {"b": "2"}}, field_manager="editor")
        status, body = apply(self.url("ssa-share"), config_map("ssa-share", {"a": "3"}))
        self.assertEqual(body["data"], {"a": "3", "b": "2"})
        managers = {e["manager"]: e for e in body["metadata"]["managedFields"]}
        self.assertEqual(managers["editor"]["operation"], "Update")
        self.assertEqual(managers["editor"]["fieldsV1"], {"f:data": {"f:b": {}}})

    def test_apply_conflicts_with_another_manager_unless_forced(self) -> None:
        apply(self.url("ssa-conflict"), config_map("ssa-conflict", {"a": "1"}))
        status, body = apply(self.url("ssa-conflict"), config_map("ssa-conflict", {"a": "2"}), manager="other")
        self.assertEqual((status, body["reason"]), (409, "Conflict"))
        self.assertEqual(body["message"], 'Apply failed with 1 conflict: conflict with "tester": .data.a')
        self.assertEqual(
            body["details"]["causes"][0],
            {"reason": "FieldManagerConflict", "message": 'conflict with "tester"', "field": ".data.a"},
        )
        status, body = apply(
            self.url("ssa-conflict"), config_map("ssa-conflict", {"a": "2"}), manager="other", force=True
        )
        self.assertEqual((status, body["data"]), (200, {"a": "2"}))
        owners = {e["manager"]: e["fieldsV1"] for e in body["metadata"]["managedFields"]}
        self.assertEqual(owners, {"other": {"f:data": {"f:a": {}}}})

    def test_an_update_manager_conflict_names_its_api_version(self) -> None:
        self.core.create_namespaced_config_map(
            "default", config_map("ssa-update-owner", {"a": "1"}), field_manager="kubectl-edit"
        )
        status, body = apply(self.url("ssa-update-owner"), config_map("ssa-update-owner", {"a": "2"}))
        self.assertEqual(status, 409)
        self.assertEqual(
            body["message"], 'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.a'
        )

    def test_applying_the_same_value_shares_ownership(self) -> None:
        apply(self.url("ssa-same"), config_map("ssa-same", {"a": "1"}))
        status, body = apply(self.url("ssa-same"), config_map("ssa-same", {"a": "1"}), manager="second")
        self.assertEqual(status, 200)
        self.assertEqual({e["manager"] for e in body["metadata"]["managedFields"]}, {"tester", "second"})

    def test_apply_merges_containers_by_name_and_tracks_keys(self) -> None:
        url = f"{self.running.url}/apis/apps/v1/namespaces/default/deployments/ssa-deploy"
        manifest = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "ssa-deploy"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "ssa"}},
                "template": {
                    "metadata": {"labels": {"app": "ssa"}},
                    "spec": {"containers": [{"name": "app", "image": "app:1"}]},
                },
            },
        }
        status, body = apply(url, manifest)
        self.assertEqual(status, 201)
        fields = body["metadata"]["managedFields"][0]["fieldsV1"]
        containers = fields["f:spec"]["f:template"]["f:spec"]["f:containers"]
        self.assertIn('k:{"name":"app"}', containers)
        self.assertEqual(containers['k:{"name":"app"}']["f:image"], {})
        self.apps.patch_namespaced_deployment(
            "ssa-deploy", "default", {"spec": {"replicas": 3}}, field_manager="autoscaler"
        )
        status, body = apply(url, manifest)
        self.assertEqual(status, 409)
        self.assertIn('conflict with "autoscaler" using apps/v1: .spec.replicas', body["message"])

    def test_the_dynamic_client_server_side_apply_works(self) -> None:
        from kubernetes.dynamic import DynamicClient

        config_maps = DynamicClient(self.api).resources.get(api_version="v1", kind="ConfigMap")
        applied = config_maps.server_side_apply(
            body=config_map("ssa-dynamic", {"k": "v"}), namespace="default", field_manager="dyn"
        )
        self.assertEqual(applied.data.k, "v")
