"""top through the real MCP client: pod and node usage from metrics.k8s.io, and a cluster without it."""

from __future__ import annotations

from typing import ClassVar

from tests.live import LiveServerTestCase
from tests.tools_pods.fixtures import NoMetricsLiveServerTestCase, requests_to, running_pod


def rows(table: str) -> list[list[str]]:
    # The table ends at the first blank line; notes follow it.
    return [line.split() for line in table.split("\n\n", 1)[0].splitlines()[1:]]


class TopTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 6, "namespaces": 1, "nodes": 2}
    server_env: ClassVar[dict[str, str]] = {"RESTRICTED_NAMESPACES": "vault"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        node = next(iter(cls.fake.list_objects("nodes")))["metadata"]["name"]
        cls.fake.add_object(running_pod("small", node=node, cpu="100m", memory="64Mi", labels={"tier": "web"}))
        cls.fake.add_object(running_pod("big", node=node, cpu="2", memory="2Gi", labels={"tier": "web"}))
        cls.fake.add_object(running_pod("pair", node=node, containers=("app", "proxy"), cpu="200m", memory="128Mi"))
        cls.fake.add_object(running_pod("vaulted", namespace="vault", node=node))

    def test_pods_are_shown_like_kubectl_top(self) -> None:
        text = self.text("top", namespace="shop")
        self.assertEqual(text.splitlines()[0].split(), ["NAME", "CPU(cores)", "MEMORY(bytes)"])
        table = {row[0]: row[1:] for row in rows(text)}
        self.assertEqual(set(table), {"small", "big", "pair"})
        for cpu, memory in table.values():
            self.assertRegex(cpu, r"^\d+m$")
            self.assertRegex(memory, r"^\d+Mi$")

    def test_sort_by_puts_the_highest_usage_first(self) -> None:
        by_cpu = rows(self.text("top", namespace="shop", sortBy="cpu"))
        self.assertEqual(by_cpu[0][0], "big")
        cpu = [int(row[1].rstrip("m")) for row in by_cpu]
        self.assertEqual(cpu, sorted(cpu, reverse=True))
        memory = [int(row[2].rstrip("Mi")) for row in rows(self.text("top", namespace="shop", sortBy="memory"))]
        self.assertEqual(memory, sorted(memory, reverse=True))

    def test_containers_gives_one_row_per_container(self) -> None:
        text = self.text("top", namespace="shop", containers=True, labelSelector="tier!=web")
        self.assertEqual(text.splitlines()[0].split(), ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"])
        self.assertEqual([row[:2] for row in rows(text)], [["pair", "app"], ["pair", "proxy"]])

    def test_a_label_selector_narrows_the_pods(self) -> None:
        self.assertEqual(
            sorted(row[0] for row in rows(self.text("top", namespace="shop", labelSelector="tier=web"))),
            ["big", "small"],
        )

    def test_all_namespaces_adds_the_namespace_and_leaves_out_restricted_ones(self) -> None:
        text = self.text("top", allNamespaces=True)
        self.assertEqual(text.splitlines()[0].split()[0], "NAMESPACE")
        namespaces = {row[0] for row in rows(text)}
        self.assertIn("shop", namespaces)
        self.assertNotIn("vault", namespaces)
        self.assertIn("pods of restricted namespaces are excluded by the server policy", text)

    def test_a_restricted_namespace_is_refused(self) -> None:
        self.assertIn('namespace "vault" is restricted', self.error("top", namespace="vault"))

    def test_nodes_show_usage_and_percentages_of_allocatable(self) -> None:
        text = self.text("top", kind="nodes")
        self.assertEqual(text.splitlines()[0].split(), ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"])
        table = rows(text)
        self.assertEqual(len(table), 2)
        for _, cpu, cpu_percent, memory, memory_percent in table:
            self.assertRegex(cpu, r"^\d+m$")
            self.assertRegex(cpu_percent, r"^\d+%$")
            self.assertRegex(memory, r"^\d+Mi$")
            self.assertRegex(memory_percent, r"^\d+%$")

    def test_node_percentages_follow_usage_over_allocatable(self) -> None:
        table = {row[0]: row for row in rows(self.text("top", kind="nodes"))}
        for name, (_, cpu, cpu_percent, _, _) in table.items():
            allocatable = next(n for n in self.fake.list_objects("nodes") if n["metadata"]["name"] == name)["status"][
                "allocatable"
            ]
            self.assertEqual(allocatable["cpu"], "7910m")
            self.assertEqual(int(cpu_percent.rstrip("%")), int(cpu.rstrip("m")) * 100 // 7910)

    def test_pod_options_are_refused_for_nodes(self) -> None:
        self.assertIn("apply to pods", self.error("top", kind="nodes", containers=True))

    def test_an_unknown_kind_is_refused_by_the_schema(self) -> None:
        self.assertIn("kind", self.error("top", kind="deployments"))


class TopWithoutMetricsServerTests(NoMetricsLiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 2, "namespaces": 1, "nodes": 1}

    def test_it_says_metrics_server_is_not_installed_and_asks_for_nothing_more(self) -> None:
        self.fake.clear_requests()
        for kind in ("pods", "nodes"):
            message = self.error("top", kind=kind)
            self.assertIn("metrics-server is not installed", message)
        self.assertEqual([r for r in self.fake.requests if r.group == "metrics.k8s.io"], [])
        self.assertEqual(requests_to(self.fake, subresource="log"), [])
