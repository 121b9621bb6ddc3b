"""Discovery documents, read the way clients read them."""

from __future__ import annotations

import json
import urllib.request

from kubernetes import client
from kubernetes.dynamic import DynamicClient

from fakekube import FakeCluster

from .base import FakeClusterTestCase


def get_json(url: str, accept: str = "application/json") -> tuple[dict, str]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read()), response.headers["Content-Type"]


class DiscoveryTests(FakeClusterTestCase):
    def test_it_reports_a_server_version(self) -> None:
        version = client.VersionApi(self.api).get_code()
        self.assertEqual(version.major, "1")
        self.assertTrue(version.git_version.startswith("v1."))

    def test_it_lists_the_core_versions_and_groups(self) -> None:
        versions = client.CoreApi(self.api).get_api_versions()
        self.assertEqual(versions.versions, ["v1"])
        groups = {group.name: group for group in client.ApisApi(self.api).get_api_versions().groups}
        for name in (
            "apps",
            "batch",
            "networking.k8s.io",
            "rbac.authorization.k8s.io",
            "apiextensions.k8s.io",
            "authorization.k8s.io",
            "events.k8s.io",
            "policy",
            "storage.k8s.io",
            "coordination.k8s.io",
            "metrics.k8s.io",
        ):
            self.assertIn(name, groups)
        self.assertEqual(groups["apps"].preferred_version.group_version, "apps/v1")

    def test_it_describes_core_resources_with_subresources(self) -> None:
        resources = {r.name: r for r in client.CoreV1Api(self.api).get_api_resources().resources}
        pods = resources["pods"]
        self.assertEqual((pods.kind, pods.namespaced, pods.singular_name), ("Pod", True, "pod"))
        self.assertEqual(pods.short_names, ["po"])
        self.assertIn("all", pods.categories)
        self.assertEqual(
            sorted(pods.verbs), ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
        )
        for sub in ("pods/log", "pods/exec", "pods/portforward", "pods/status", "pods/eviction", "nodes/proxy"):
            self.assertIn(sub, resources)
        self.assertFalse(resources["nodes"].namespaced)
        self.assertEqual(resources["componentstatuses"].verbs, ["get", "list"])

    def test_it_describes_scale_subresources_in_the_autoscaling_group(self) -> None:
        resources = {r.name: r for r in client.AppsV1Api(self.api).get_api_resources().resources}
        scale = resources["deployments/scale"]
        self.assertEqual((scale.kind, scale.group, scale.version), ("Scale", "autoscaling", "v1"))
        self.assertIn("statefulsets/scale", resources)
        self.assertIn("replicasets/scale", resources)

    def test_it_answers_a_group_document(self) -> None:
        group, _ = get_json(f"{self.running.url}/apis/batch")
        self.assertEqual(group["kind"], "APIGroup")
        self.assertEqual(group["preferredVersion"]["groupVersion"], "batch/v1")

    def test_it_refuses_an_unknown_group_version_with_a_status(self) -> None:
        with self.assertRaises(urllib.error.HTTPError) as caught:
            get_json(f"{self.running.url}/apis/nope.example.com/v1")
        self.assertEqual(caught.exception.code, 404)
        self.assertEqual(json.loads(caught.exception.read())["reason"], "NotFound")

    def test_it_serves_aggregated_discovery_when_asked(self) -> None:
        accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
        body, content_type = get_json(f"{self.running.url}/apis", accept)
        self.assertIn("as=APIGroupDiscoveryList", content_type)
        apps = next(item for item in body["items"] if item["metadata"]["name"] == "apps")
        deployments = next(r for r in apps["versions"][0]["resources"] if r["resource"] == "deployments")
        self.assertEqual(deployments["scope"], "Namespaced")
        self.assertIn("scale", [sub["subresource"] for sub in deployments["subresources"]])

    def test_the_dynamic_client_finds_builtin_kinds(self) -> None:
        dynamic = DynamicClient(self.api)
        deployments = dynamic.resources.get(api_version="apps/v1", kind="Deployment")
        self.assertEqual(deployments.name, "deployments")
        self.assertTrue(deployments.namespaced)

    def test_kubectl_lists_api_resources(self) -> None:
        result = self.kubectl("api-resources", "-o", "name")
        names = result.stdout.split()
        self.assertIn("pods", names)
        self.assertIn("deployments.apps", names)
        self.assertIn("customresourcedefinitions.apiextensions.k8s.io", names)


class MetricsAbsentTests(FakeClusterTestCase):
    @classmethod
    def make_cluster(cls) -> FakeCluster:
        return FakeCluster(metrics_api=False)

    def test_it_can_run_without_the_metrics_api(self) -> None:
        groups = [group.name for group in client.ApisApi(self.api).get_api_versions().groups]
        self.assertNotIn("metrics.k8s.io", groups)


class MetricsTests(FakeClusterTestCase):
    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = FakeCluster()
        cluster.seed(pods=20, namespaces=2, nodes=2)
        return cluster

    def test_it_serves_pod_and_node_metrics(self) -> None:
        custom = client.CustomObjectsApi(self.api)
        pods = custom.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "pods")
        self.assertEqual(pods["kind"], "PodMetricsList")
        running = [p for p in self.cluster.list_objects("pods") if p["status"]["phase"] == "Running"]
        self.assertEqual(len(pods["items"]), len(running))
        self.assertTrue(pods["items"][0]["containers"][0]["usage"]["cpu"].endswith("n"))
        nodes = custom.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes")
        self.assertEqual(len(nodes["items"]), 2)
        self.assertTrue(nodes["items"][0]["usage"]["memory"].endswith("Ki"))

    def test_a_metrics_list_with_a_selector_it_cannot_parse_is_a_bad_request(self) -> None:
        custom = client.CustomObjectsApi(self.api)
        with self.assertApiError(400, "BadRequest"):
            custom.list_cluster_custom_object(
                "metrics.k8s.io", "v1beta1", "pods", label_selector="\u2024\u2024/payments"
            )
