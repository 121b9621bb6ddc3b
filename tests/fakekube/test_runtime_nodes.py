"""The kubelet's API through `CoreV1Api.connect_get_node_proxy_with_path`."""

from __future__ import annotations

import json
from typing import Any

from kubernetes.client.rest import ApiException

from tests.fakekube.test_runtime_support import RuntimeTestCase, node, pod, status_of


class NodeProxyTests(RuntimeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cluster.add_object(node("node-1"))
        self.cluster.add_object(node("node-2"))
        self.cluster.add_object(pod("web-1", resources={"requests": {"cpu": "500m", "memory": "256Mi"}}))
        self.cluster.add_object(pod("web-2", ["app", "sidecar"]))
        self.cluster.add_object(pod("other-1", node="node-2"))

    def proxy(self, path: str, name: str = "node-1") -> str:
        return self.api.connect_get_node_proxy_with_path(name, path)

    def summary(self) -> dict[str, Any]:
        response: Any = self.api.connect_get_node_proxy_with_path("node-1", "stats/summary", _preload_content=False)
        summary: dict[str, Any] = json.loads(response.data)
        return summary

    def test_the_summary_describes_the_node_and_its_pods(self) -> None:
        summary = self.summary()

        self.assertEqual(summary["node"]["nodeName"], "node-1")
        self.assertEqual(sorted(p["podRef"]["name"] for p in summary["pods"]), ["web-1", "web-2"])
        web2 = next(p for p in summary["pods"] if p["podRef"]["name"] == "web-2")
        self.assertEqual([c["name"] for c in web2["containers"]], ["app", "sidecar"])
        for section in ("cpu", "memory", "network", "fs", "runtime", "rlimit"):
            self.assertIn(section, summary["node"])
        self.assertEqual(summary["node"]["fs"]["capacityBytes"], 100 * 1024**3)

    def test_summary_usage_is_deterministic_and_adds_up(self) -> None:
        first, second = self.summary(), self.summary()

        def usage(summary: dict[str, Any]) -> list[int]:
            return [c["cpu"]["usageNanoCores"] for p in summary["pods"] for c in p["containers"]]

        self.assertEqual(usage(first), usage(second))
        web1 = next(p for p in first["pods"] if p["podRef"]["name"] == "web-1")
        self.assertLessEqual(web1["cpu"]["usageNanoCores"], 500_000_000)
        self.assertGreater(first["node"]["cpu"]["usageNanoCores"], sum(usage(first)))

    def test_the_log_directory_lists_the_nodes_files(self) -> None:
        listing = self.proxy("logs/")

        self.assertIn('<a href="kubelet.log">kubelet.log</a>', listing)
        self.assertIn('<a href="syslog">syslog</a>', listing)

    def test_log_files_have_content_about_the_node(self) -> None:
        kubelet = self.proxy("logs/kubelet.log")

        self.assertIn('"Successfully registered node" node="node-1"', kubelet)
        self.assertIn('pods=["default/web-1"]', kubelet)
        self.assertIn("kubelet.service", self.proxy("logs/syslog"))

    def test_container_logs_are_served_in_the_cri_format(self) -> None:
        self.runtime.set_logs("default", "web-1", "app", ["ready to serve"])
        listing = self.proxy("logs/containers/")
        links = [line.split('"')[1] for line in listing.splitlines() if line.startswith("<a href=")]
        name = next(link for link in links if link.startswith("web-1_default_app-"))

        content = self.proxy(f"logs/containers/{name}")

        self.assertRegex(content, r"^\d{4}-\d\d-\d\dT[\d:.]+Z stdout F ready to serve\n$")

    def test_an_unknown_log_file_is_the_kubelets_404(self) -> None:
        with self.assertRaises(ApiException) as raised:
            self.proxy("logs/nope.log")

        self.assertEqual((raised.exception.status, raised.exception.body), (404, "404 page not found\n"))

    def test_an_unknown_node_is_a_404_status(self) -> None:
        with self.assertRaises(ApiException) as raised:
            self.proxy("stats/summary", name="ghost")

        body = status_of(raised.exception)
        self.assertEqual((raised.exception.status, body["message"]), (404, 'nodes "ghost" not found'))

    def test_a_node_whose_kubelet_is_gone_cannot_be_reached(self) -> None:
        self.cluster.add_object(node("node-3", ready="Unknown"))

        with self.assertRaises(ApiException) as raised:
            self.proxy("stats/summary", name="node-3")

        self.assertEqual(raised.exception.status, 503)
        self.assertIn("dial tcp 10.0.0.11:10250", status_of(raised.exception)["message"])

    def test_metrics_and_healthz(self) -> None:
        self.assertIn("kubelet_running_pods 2", self.proxy("metrics"))
        self.assertIn(
            'container_cpu_usage_seconds_total{container="app",namespace="default",pod="web-1"}',
            self.proxy("metrics/resource"),
        )
        self.assertEqual(self.proxy("healthz"), "ok")
