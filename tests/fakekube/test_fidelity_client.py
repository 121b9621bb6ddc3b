"""The fake's contract as the official Python client sees it: status codes, `Status` bodies and headers a real
API server sends for the decoding, validation, paging and identity cases kubemcp's tools meet."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client, watch

from fakekube import FakeCluster

from .base import FakeClusterTestCase, deployment_manifest


def config_map(name: str, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data, **extra}


class ClientFidelityTests(FakeClusterTestCase):
    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = FakeCluster()
        cluster.require_auth({"admin-token": "admin"})
        return cluster

    def setUp(self) -> None:
        self.api = self.client_for("admin-token")
        self.admin = client.CoreV1Api(self.api)

    def raw(
        self, method: str, path: str, body: Any = None, query: list[tuple[str, str]] | None = None, **headers: str
    ) -> tuple[int, Any, dict[str, Any]]:
        """A request the client's own models would refuse to build (they type-check before sending)."""
        request = self.api.param_serialize(
            method,
            path,
            query_params=query,
            header_params={"Content-Type": "application/json", **headers},
            body=body,
            auth_settings=["BearerToken"],
        )
        response = self.api.call_api(*request)
        response.read()
        return response.status, response.headers, json.loads(response.data)

    def test_strict_field_validation_is_a_bad_request_naming_every_unknown_field(self) -> None:
        body = config_map("strict", {"a": "1"}, bogus=1, metadata={"name": "strict", "colour": "red"})
        status, _, answer = self.raw(
            "POST", "/api/v1/namespaces/default/configmaps", body, [("fieldValidation", "Strict")]
        )
        self.assertEqual((status, answer["reason"]), (400, "BadRequest"))
        self.assertEqual(
            answer["message"],
            'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
            'unknown field "metadata.colour", unknown field "bogus"',
        )

    def test_by_default_unknown_fields_are_dropped_with_a_warning_header(self) -> None:
        status, headers, _ = self.raw(
            "POST", "/api/v1/namespaces/default/configmaps", config_map("warned", {"a": "1"}, bogus=1)
        )
        self.assertEqual(status, 201)
        self.assertEqual(headers.get("Warning"), '299 - "unknown field \\"bogus\\""')
        stored = self.cluster.get_object("configmaps", "default", "warned")
        assert stored is not None
        self.assertNotIn("bogus", stored)

    def test_a_value_of_the_wrong_type_is_refused_and_never_stored(self) -> None:
        status, _, answer = self.raw(
            "POST", "/api/v1/namespaces/default/configmaps", config_map("typed", {"port": 8080})
        )
        self.assertEqual(status, 400)
        self.assertEqual(
            answer["message"],
            'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go '
            "struct field ConfigMap.data of type string",
        )
        # Listing still decodes: nothing of the wrong type reached the store.
        self.assertIsNotNone(self.admin.list_namespaced_config_map("default").items)

    def test_a_quantity_may_be_a_number_but_an_environment_value_may_not(self) -> None:
        def pod(name: str, container: dict[str, Any]) -> dict[str, Any]:
            return {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name},
                "spec": {"containers": [{"name": "main", "image": "nginx", **container}]},
            }

        status, _, created = self.raw(
            "POST", "/api/v1/namespaces/default/pods", pod("sized", {"resources": {"limits": {"cpu": 1}}})
        )
        self.assertEqual(status, 201, created)
        status, _, answer = self.raw(
            "POST", "/api/v1/namespaces/default/pods", pod("env", {"env": [{"name": "PORT", "value": 8080}]})
        )
        self.assertEqual(status, 400)
        self.assertIn(
            "json: cannot unmarshal number into Go struct field EnvVar.spec.containers.env.value of type string",
            answer["message"],
        )

    def test_a_patch_that_breaks_the_types_is_refused(self) -> None:
        self.admin.create_namespaced_config_map("default", config_map("patched", {"a": "1"}))
        with self.assertApiError(400, "BadRequest"):
            self.admin.patch_namespaced_config_map("patched", "default", {"data": {"a": 2}})
        stored = self.cluster.get_object("configmaps", "default", "patched")
        assert stored is not None
        self.assertEqual(stored["data"], {"a": "1"})

    def test_an_invalid_deployment_is_one_422_with_all_its_causes(self) -> None:
        manifest = deployment_manifest("broken", replicas=-1)
        manifest["spec"]["template"]["spec"]["containers"][0].pop("image")
        with self.assertApiError(422, "Invalid") as error:
            client.AppsV1Api(self.client_for("admin-token")).create_namespaced_deployment("default", manifest)
        causes = [(cause["field"], cause["reason"]) for cause in error.body["details"]["causes"]]
        self.assertEqual(
            causes,
            [
                ("spec.replicas", "FieldValueInvalid"),
                ("spec.template.spec.containers[0].image", "FieldValueRequired"),
            ],
        )

    def test_string_data_is_merged_into_data_and_not_stored(self) -> None:
        self.admin.create_namespaced_secret(
            "default",
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "merged"},
                "data": {"kept": "a2VwdA==", "user": "b2xk"},
                "stringData": {"user": "admin"},
            },
        )
        stored = self.admin.read_namespaced_secret("merged", "default")
        self.assertEqual(stored.data, {"kept": "a2VwdA==", "user": "YWRtaW4="})
        self.assertIsNone(stored.string_data)

    def test_a_workload_without_a_selector_still_has_its_pod_template_checked(self) -> None:
        manifest = deployment_manifest("unselected")
        del manifest["spec"]["selector"]
        manifest["spec"]["template"]["spec"]["containers"][0]["name"] = "Main_Container"
        status, _, answer = self.raw("POST", "/apis/apps/v1/namespaces/default/deployments", manifest)
        self.assertEqual(status, 422)
        fields = [cause["field"] for cause in answer["details"]["causes"]]
        self.assertEqual(fields, ["spec.selector", "spec.template.spec.containers[0].name"])

    def test_the_generic_not_found_carries_empty_details(self) -> None:
        status, _, answer = self.raw("GET", "/api/v1/nosuch")
        self.assertEqual(status, 404)
        self.assertEqual(
            answer,
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": "the server could not find the requested resource",
                "reason": "NotFound",
                "details": {},
                "code": 404,
            },
        )

    def test_every_page_of_a_paged_list_is_one_snapshot(self) -> None:
        self.cluster.add_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "paging"}})
        for index in range(4):
            self.admin.create_namespaced_config_map("paging", config_map(f"cm-{index}", {"a": "1"}))
        first = self.admin.list_namespaced_config_map("paging", limit=2)
        self.admin.create_namespaced_config_map("paging", config_map("cm-9-late", {"a": "1"}))
        self.admin.delete_namespaced_config_map("cm-3", "paging")
        self.admin.patch_namespaced_config_map("cm-2", "paging", {"data": {"a": "changed"}})
        rest = self.admin.list_namespaced_config_map("paging", limit=10, _continue=first.metadata._continue)
        self.assertEqual([item.metadata.name for item in rest.items], ["cm-2", "cm-3", "kube-root-ca.crt"])
        self.assertEqual(rest.items[0].data, {"a": "1"})
        self.assertEqual(rest.metadata.resource_version, first.metadata.resource_version)

    def test_an_exact_resource_version_lists_the_cluster_as_it_was(self) -> None:
        self.admin.create_namespaced_config_map("default", config_map("exact-a", {"a": "1"}))
        before = self.admin.list_namespaced_config_map("default").metadata.resource_version
        self.admin.create_namespaced_config_map("default", config_map("exact-b", {"a": "1"}))
        then = self.admin.list_namespaced_config_map("default", resource_version=before, resource_version_match="Exact")
        names = [item.metadata.name for item in then.items]
        self.assertIn("exact-a", names)
        self.assertNotIn("exact-b", names)
        self.assertEqual(then.metadata.resource_version, before)

    def test_resource_version_match_is_validated_like_list_options(self) -> None:
        status, _, answer = self.raw(
            "GET", "/api/v1/namespaces/default/configmaps", query=[("resourceVersionMatch", "Exact")]
        )
        self.assertEqual((status, answer["reason"]), (422, "Invalid"))
        self.assertEqual(
            answer["message"],
            'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is '
            "forbidden unless resourceVersion is provided",
        )
        status, _, answer = self.raw(
            "GET",
            "/api/v1/namespaces/default/configmaps",
            query=[("resourceVersion", "1"), ("resourceVersionMatch", "Exact")],
        )
        self.assertEqual((status, answer["reason"]), (410, "Expired"))

    def test_a_watch_that_allows_bookmarks_gets_them(self) -> None:
        self.cluster.watch_bookmark_seconds = 0.1
        self.addCleanup(setattr, self.cluster, "watch_bookmark_seconds", 60.0)
        current = self.admin.list_namespaced_config_map("default").metadata.resource_version
        stream = watch.Watch().stream(
            self.admin.list_namespaced_config_map,
            "default",
            resource_version=current,
            allow_watch_bookmarks=True,
            timeout_seconds=5,
        )
        event = next(stream)
        self.assertEqual(event["type"], "BOOKMARK")
        self.assertEqual(event["raw_object"]["metadata"]["resourceVersion"], current)

    def test_a_request_without_a_token_is_system_anonymous(self) -> None:
        with self.assertApiError(403, "Forbidden") as error:
            client.CoreV1Api(self.client_for(None)).list_namespaced_pod("default")
        self.assertIn('User "system:anonymous" cannot list resource "pods"', error.body["message"])


class GracefulDeletionTests(FakeClusterTestCase):
    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = FakeCluster()
        # Containers that take a minute to stop on SIGTERM: a deleted pod stays Terminating for this test.
        cluster.operations.deleter.pod_shutdown_seconds = 60
        cluster.add_object({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1"}})
        return cluster

    def running_pod(self, name: str) -> None:
        self.core.create_namespaced_pod(
            "default",
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name},
                "spec": {
                    "nodeName": "worker-1",
                    "terminationGracePeriodSeconds": 45,
                    "containers": [{"name": "main", "image": "nginx"}],
                },
            },
        )

    def test_delete_answers_with_the_terminating_pod_and_it_stays_until_stopped(self) -> None:
        self.running_pod("slow")
        answered = self.core.delete_namespaced_pod("slow", "default")
        self.assertIsNotNone(answered.metadata.deletion_timestamp)
        self.assertEqual(answered.metadata.deletion_grace_period_seconds, 45)
        self.assertEqual(self.core.read_namespaced_pod("slow", "default").metadata.deletion_grace_period_seconds, 45)
        again = self.core.delete_namespaced_pod("slow", "default")
        self.assertEqual(again.metadata.uid, answered.metadata.uid)

    def test_a_zero_grace_period_removes_the_pod_at_once(self) -> None:
        self.running_pod("forced")
        self.core.delete_namespaced_pod("forced", "default")
        self.core.delete_namespaced_pod("forced", "default", grace_period_seconds=0)
        with self.assertApiError(404, "NotFound"):
            self.core.read_namespaced_pod("forced", "default")

    def test_an_eviction_deletes_with_its_delete_options(self) -> None:
        self.running_pod("evicted")
        self.core.create_namespaced_pod_eviction(
            "evicted",
            "default",
            client.V1Eviction(
                metadata=client.V1ObjectMeta(name="evicted", namespace="default"),
                delete_options=client.V1DeleteOptions(grace_period_seconds=7),
            ),
        )
        self.assertEqual(self.core.read_namespaced_pod("evicted", "default").metadata.deletion_grace_period_seconds, 7)

    def test_a_replica_set_replaces_a_terminating_pod_at_once(self) -> None:
        self.apps.create_namespaced_deployment("default", deployment_manifest("web", replicas=2))
        pods = self.core.list_namespaced_pod("default", label_selector="app=web").items
        self.assertEqual(len(pods), 2)
        self.core.delete_namespaced_pod(pods[0].metadata.name, "default", grace_period_seconds=30)
        after = self.core.list_namespaced_pod("default", label_selector="app=web").items
        terminating = [pod.metadata.name for pod in after if pod.metadata.deletion_timestamp]
        self.assertEqual((len(after), terminating), (3, [pods[0].metadata.name]))


class HostileCustomResourceSchemaTests(FakeClusterTestCase):
    def test_a_malformed_schema_never_turns_a_write_into_an_internal_error(self) -> None:
        crd = {
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
                        "schema": {
                            "openAPIV3Schema": {
                                "type": "object",
                                "properties": {
                                    "spec": {
                                        "type": "object",
                                        "properties": {"code": {"type": "string", "pattern": "([unclosed"}},
                                    },
                                    "bad": "not-a-schema",
                                },
                            }
                        },
                    }
                ],
            },
        }
        self.cluster.add_object(crd)  # the official client refuses to send such a schema at all
        created = client.CustomObjectsApi(self.api).create_namespaced_custom_object(
            "example.com",
            "v1",
            "default",
            "gadgets",
            {"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g1"}, "spec": {"code": "x"}},
        )
        self.assertEqual(created["spec"], {"code": "x"})
