"""Create, read, update, delete at the real paths, with the real errors."""

from __future__ import annotations

import json
import urllib.request

import yaml
from kubernetes import client

from .base import FakeClusterTestCase, deployment_manifest, pod_manifest


def raw(
    url: str, method: str = "GET", body: bytes | None = None, content_type: str = "application/json"
) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class CrudTests(FakeClusterTestCase):
    def test_it_creates_and_reads_a_pod_with_server_fields(self) -> None:
        created = self.core.create_namespaced_pod("default", pod_manifest("crud-read"))
        self.assertTrue(created.metadata.uid)
        self.assertIsNotNone(created.metadata.creation_timestamp)
        self.assertTrue(int(created.metadata.resource_version) > 0)
        self.assertEqual(created.metadata.generation, 1)
        read = self.core.read_namespaced_pod("crud-read", "default")
        self.assertEqual(read.metadata.uid, created.metadata.uid)
        self.assertEqual(read.status.phase, "Running")
        self.assertTrue(read.status.container_statuses[0].ready)

    def test_it_rejects_a_duplicate_name(self) -> None:
        self.core.create_namespaced_config_map("default", {"metadata": {"name": "crud-dup"}, "data": {"a": "1"}})
        with self.assertApiError(409, "AlreadyExists") as error:
            self.core.create_namespaced_config_map("default", {"metadata": {"name": "crud-dup"}})
        self.assertEqual(error.body["message"], 'configmaps "crud-dup" already exists')
        self.assertEqual(error.body["details"], {"name": "crud-dup", "kind": "configmaps"})

    def test_it_answers_not_found_in_the_real_wording(self) -> None:
        with self.assertApiError(404, "NotFound") as error:
            self.apps.read_namespaced_deployment("nope", "default")
        self.assertEqual(error.body["message"], 'deployments.apps "nope" not found')

    def test_it_refuses_to_create_in_a_missing_namespace(self) -> None:
        with self.assertApiError(404, "NotFound") as error:
            self.core.create_namespaced_config_map("ghost", {"metadata": {"name": "x"}})
        self.assertEqual(error.body["message"], 'namespaces "ghost" not found')

    def test_it_validates_names(self) -> None:
        with self.assertApiError(422, "Invalid") as error:
            self.core.create_namespaced_config_map("default", {"metadata": {"name": "Bad_Name"}})
        self.assertIn(
            'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"', error.body["message"]
        )
        self.assertEqual(error.body["details"]["causes"][0]["field"], "metadata.name")
        with self.assertApiError(422, "Invalid") as error:
            self.core.create_namespaced_config_map("default", {"metadata": {}})
        self.assertIn("name or generateName is required", error.body["message"])

    def test_it_generates_names(self) -> None:
        created = self.core.create_namespaced_config_map("default", {"metadata": {"generateName": "gen-"}})
        self.assertTrue(created.metadata.name.startswith("gen-"))
        self.assertEqual(len(created.metadata.name), len("gen-") + 5)

    def test_it_rejects_a_body_for_another_namespace_or_kind(self) -> None:
        status, body = raw(
            f"{self.running.url}/api/v1/namespaces/default/configmaps",
            "POST",
            json.dumps(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "kube-system"}}
            ).encode(),
        )
        self.assertEqual((status, body["reason"]), (400, "BadRequest"))
        self.assertIn("does not match the namespace", body["message"])
        status, body = raw(
            f"{self.running.url}/api/v1/namespaces/default/configmaps",
            "POST",
            json.dumps({"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "x"}}).encode(),
        )
        self.assertEqual(status, 400)
        self.assertIn("the API version in the data (apps/v1) does not match", body["message"])

    def test_it_accepts_yaml_bodies(self) -> None:
        manifest = yaml.safe_dump(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-yaml"}, "data": {"k": "v"}}
        )
        status, body = raw(
            f"{self.running.url}/api/v1/namespaces/default/configmaps", "POST", manifest.encode(), "application/yaml"
        )
        self.assertEqual(status, 201)
        self.assertEqual(body["data"], {"k": "v"})

    def test_it_updates_with_optimistic_concurrency(self) -> None:
        created = self.core.create_namespaced_config_map(
            "default", {"metadata": {"name": "crud-update"}, "data": {"a": "1"}}
        )
        created.data = {"a": "2"}
        updated = self.core.replace_namespaced_config_map("crud-update", "default", created)
        self.assertEqual(updated.data, {"a": "2"})
        self.assertGreater(int(updated.metadata.resource_version), int(created.metadata.resource_version))
        with self.assertApiError(409, "Conflict") as error:
            self.core.replace_namespaced_config_map("crud-update", "default", created)
        self.assertEqual(
            error.body["message"],
            'Operation cannot be fulfilled on configmaps "crud-update": the object '
            "has been modified; please apply your changes to the latest version and try again",
        )

    def test_it_bumps_generation_only_when_the_spec_changes(self) -> None:
        created = self.apps.create_namespaced_deployment("default", deployment_manifest("crud-gen", replicas=1))
        self.assertEqual(created.metadata.generation, 1)
        live = self.apps.read_namespaced_deployment("crud-gen", "default")
        live.metadata.labels = {"touched": "yes"}
        relabelled = self.apps.replace_namespaced_deployment("crud-gen", "default", live)
        self.assertEqual(relabelled.metadata.generation, 1)
        relabelled.spec.replicas = 2
        rescaled = self.apps.replace_namespaced_deployment("crud-gen", "default", relabelled)
        self.assertEqual(rescaled.metadata.generation, 2)

    def test_it_lists_across_namespaces_with_a_list_kind_and_version(self) -> None:
        self.core.create_namespace({"metadata": {"name": "crud-list"}})
        self.core.create_namespaced_pod("crud-list", pod_manifest("p1", "crud-list"))
        pods = self.core.list_pod_for_all_namespaces()
        self.assertIn(("crud-list", "p1"), [(p.metadata.namespace, p.metadata.name) for p in pods.items])
        self.assertTrue(pods.metadata.resource_version)
        status, body = raw(f"{self.running.url}/api/v1/namespaces/crud-list/pods")
        self.assertEqual((body["kind"], body["apiVersion"]), ("PodList", "v1"))
        self.assertEqual([p["metadata"]["name"] for p in body["items"]], ["p1"])

    def test_it_serves_cluster_scoped_objects(self) -> None:
        self.core.create_node({"metadata": {"name": "crud-node", "labels": {"zone": "a"}}})
        self.assertEqual(self.core.read_node("crud-node").metadata.labels, {"zone": "a"})
        self.assertIsNone(self.core.read_node("crud-node").metadata.namespace)

    def test_delete_returns_the_pod_and_a_status_for_other_kinds(self) -> None:
        self.core.create_namespaced_pod("default", pod_manifest("crud-delete"))
        status, body = raw(f"{self.running.url}/api/v1/namespaces/default/pods/crud-delete", "DELETE")
        self.assertEqual((status, body["kind"]), (200, "Pod"))
        self.assertIsNotNone(body["metadata"]["deletionTimestamp"])
        self.core.create_namespaced_config_map("default", {"metadata": {"name": "crud-delete"}})
        status, body = raw(f"{self.running.url}/api/v1/namespaces/default/configmaps/crud-delete", "DELETE")
        self.assertEqual((body["kind"], body["status"], body["details"]["name"]), ("Status", "Success", "crud-delete"))
        with self.assertApiError(404):
            self.core.read_namespaced_config_map("crud-delete", "default")

    def test_deleting_a_namespace_deletes_its_objects(self) -> None:
        self.core.create_namespace({"metadata": {"name": "crud-doomed"}})
        self.core.create_namespaced_config_map("crud-doomed", {"metadata": {"name": "c"}})
        deleted = raw(f"{self.running.url}/api/v1/namespaces/crud-doomed", "DELETE")[1]
        self.assertEqual(deleted["status"]["phase"], "Terminating")
        self.assertEqual(self.cluster.list_objects("configmaps", "crud-doomed"), [])
        with self.assertApiError(404):
            self.core.read_namespace("crud-doomed")

    def test_deleting_an_owner_deletes_its_dependents(self) -> None:
        owner = self.core.create_namespaced_config_map("default", {"metadata": {"name": "crud-owner"}})
        self.core.create_namespaced_config_map(
            "default",
            {
                "metadata": {
                    "name": "crud-dependent",
                    "ownerReferences": [
                        {"apiVersion": "v1", "kind": "ConfigMap", "name": "crud-owner", "uid": owner.metadata.uid}
                    ],
                }
            },
        )
        self.core.delete_namespaced_config_map("crud-owner", "default")
        self.assertIsNone(self.cluster.get_object("configmaps", "default", "crud-dependent"))

    def test_it_deletes_a_collection(self) -> None:
        for index in range(3):
            self.core.create_namespaced_config_map(
                "default", {"metadata": {"name": f"col-{index}", "labels": {"set": "col"}}}
            )
        self.core.delete_collection_namespaced_config_map("default", label_selector="set=col")
        self.assertEqual(
            [
                c
                for c in self.cluster.list_objects("configmaps", "default")
                if c["metadata"].get("labels", {}).get("set") == "col"
            ],
            [],
        )

    def test_it_refuses_verbs_a_resource_does_not_support(self) -> None:
        status, body = raw(
            f"{self.running.url}/api/v1/componentstatuses", "POST", json.dumps({"metadata": {"name": "x"}}).encode()
        )
        self.assertEqual((status, body["reason"]), (405, "MethodNotAllowed"))

    def test_it_honours_delete_preconditions(self) -> None:
        self.core.create_namespaced_config_map("default", {"metadata": {"name": "crud-pre"}})
        with self.assertApiError(409, "Conflict") as error:
            self.core.delete_namespaced_config_map(
                "crud-pre",
                "default",
                body=client.V1DeleteOptions(preconditions=client.V1Preconditions(uid="not-the-uid")),
            )
        self.assertIn("Precondition failed: UID in precondition", error.body["message"])

    def test_test_helpers_arrange_state_the_server_serves(self) -> None:
        self.cluster.add_object(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "arranged", "namespace": "arranged-ns"},
                "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                "status": {"phase": "Failed", "reason": "Evicted"},
            }
        )
        pod = self.core.read_namespaced_pod("arranged", "arranged-ns")
        self.assertEqual((pod.status.phase, pod.status.reason), ("Failed", "Evicted"))
        self.assertIsNotNone(self.cluster.delete_object("pods", "arranged-ns", "arranged"))
        self.assertIsNone(self.cluster.get_object("pods", "arranged-ns", "arranged"))

    def test_it_refuses_a_pod_without_containers_or_images(self) -> None:
        # The typed client refuses these bodies itself, so they go out as raw JSON.
        url = f"{self.running.url}/api/v1/namespaces/default/pods"
        status, body = raw(
            url,
            "POST",
            json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "no-containers"}, "spec": {}}).encode(),
        )
        self.assertEqual((status, body["reason"]), (422, "Invalid"))
        self.assertEqual(body["message"], 'Pod "no-containers" is invalid: spec.containers: Required value')
        status, body = raw(
            url,
            "POST",
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": "no-image"},
                    "spec": {"containers": [{"name": "main"}]},
                }
            ).encode(),
        )
        self.assertEqual(body["details"]["causes"][0]["field"], "spec.containers[0].image")

    def test_it_refuses_a_deployment_whose_selector_misses_its_template(self) -> None:
        manifest = deployment_manifest("crud-mismatch")
        manifest["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
        with self.assertApiError(422, "Invalid") as error:
            self.apps.create_namespaced_deployment("default", manifest)
        self.assertEqual(
            error.body["message"],
            'Deployment.apps "crud-mismatch" is invalid: '
            'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: '
            "`selector` does not match template `labels`",
        )
