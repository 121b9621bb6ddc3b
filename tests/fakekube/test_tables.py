"""Server-side Table responses, as kubectl and the Go peer request them."""

from __future__ import annotations

import json
import urllib.request

from fakekube import FakeCluster

from .base import FakeClusterTestCase

TABLE = (
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
)


def get_table(url: str, accept: str = TABLE) -> dict:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


class TableTests(FakeClusterTestCase):
    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = FakeCluster()
        cluster.seed(pods=30, namespaces=2, nodes=2)
        return cluster

    def columns(self, table: dict) -> list[str]:
        return [column["name"] for column in table["columnDefinitions"]]

    def test_pods_come_back_with_kubectls_columns(self) -> None:
        table = get_table(f"{self.running.url}/api/v1/pods")
        self.assertEqual((table["kind"], table["apiVersion"]), ("Table", "meta.k8s.io/v1"))
        self.assertEqual(
            self.columns(table),
            ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"],
        )
        self.assertEqual(len(table["rows"]), 30)
        statuses = {row["cells"][2] for row in table["rows"]}
        self.assertTrue({"Running", "Pending", "Completed", "CrashLoopBackOff"} <= statuses, statuses)
        first = table["rows"][0]
        self.assertEqual(first["object"]["kind"], "PartialObjectMetadata")
        self.assertEqual(first["object"]["metadata"]["name"], first["cells"][0])

    def test_rows_can_carry_the_full_object_or_none(self) -> None:
        table = get_table(f"{self.running.url}/api/v1/nodes?includeObject=Object")
        self.assertEqual(table["rows"][0]["object"]["kind"], "Node")
        table = get_table(f"{self.running.url}/api/v1/nodes?includeObject=None")
        self.assertNotIn("object", table["rows"][0])

    def test_each_common_kind_has_its_printer(self) -> None:
        expected = {
            "/apis/apps/v1/deployments": ["Name", "Ready", "Up-to-date", "Available", "Age"],
            "/apis/apps/v1/replicasets": ["Name", "Desired", "Current", "Ready", "Age"],
            "/api/v1/services": ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"],
            "/api/v1/nodes": ["Name", "Status", "Roles", "Age", "Version"],
            "/api/v1/namespaces": ["Name", "Status", "Age"],
            "/api/v1/events": ["Last Seen", "Type", "Reason", "Object"],
            "/api/v1/configmaps": ["Name", "Data", "Age"],
            "/api/v1/secrets": ["Name", "Type", "Data", "Age"],
            "/apis/batch/v1/jobs": ["Name", "Status", "Completions", "Duration", "Age"],
            "/apis/storage.k8s.io/v1/storageclasses": ["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode"],
        }
        for path, columns in expected.items():
            table = get_table(self.running.url + path)
            self.assertEqual(self.columns(table)[: len(columns)], columns, path)
            self.assertTrue(table["rows"], path)
            self.assertEqual(len(table["rows"][0]["cells"]), len(table["columnDefinitions"]), path)

    def test_a_single_object_can_be_a_table(self) -> None:
        table = get_table(f"{self.running.url}/api/v1/namespaces/default")
        self.assertEqual([row["cells"][:2] for row in table["rows"]], [["default", "Active"]])

    def test_a_table_page_keeps_the_continue_token(self) -> None:
        table = get_table(f"{self.running.url}/api/v1/pods?limit=10")
        self.assertEqual(len(table["rows"]), 10)
        self.assertTrue(table["metadata"]["continue"])

    def test_plain_json_is_served_when_no_table_is_asked_for(self) -> None:
        body = get_table(f"{self.running.url}/api/v1/pods", accept="application/json")
        self.assertEqual(body["kind"], "PodList")

    def test_kubectl_get_pods_prints_a_normal_table(self) -> None:
        result = self.kubectl("get", "pods", "-A")
        lines = result.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"])
        self.assertEqual(len(lines), 31)
        self.assertIn("CrashLoopBackOff", result.stdout)

    def test_kubectl_wide_output_shows_the_node_column(self) -> None:
        result = self.kubectl("get", "nodes", "-o", "wide")
        self.assertIn("INTERNAL-IP", result.stdout.splitlines()[0])
        self.assertIn("Ready", result.stdout)
