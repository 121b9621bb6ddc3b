"""`api_resources`: the served kinds as a table, filtered by group, scope and verbs, paged by offset."""

from __future__ import annotations

import re
import unittest

from k8stools.kube import ResourceType
from k8stools.tools.discovery import select_resources, verbs_text, wanted_verbs
from tests.live import LiveServerTestCase
from tests.tools_read.helpers import WIDGET_CRD, footer, table_header, table_rows

ALL_VERBS = "create,delete,deletecollection,get,list,patch,update,watch"


class ApiResourcesTests(LiveServerTestCase):
    seed = {"pods": 12, "namespaces": 2}

    def rows(self, **arguments: object) -> dict[str, list[str]]:
        """Rows by NAME, the core group's kind winning over another group's kind of the same name."""
        rows = table_rows(self.text("api_resources", limit=0, **arguments))
        return {row[0]: row for row in sorted(rows, key=lambda row: "/" not in row[2])}

    def test_it_lists_kinds_with_short_names_scope_and_verbs(self) -> None:
        text = self.text("api_resources")
        self.assertEqual(table_header(text), ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS"])
        rows = {(row[0], row[2]): row for row in table_rows(text)}
        self.assertEqual(rows["pods", "v1"], ["pods", "po", "v1", "true", "Pod", ALL_VERBS])
        self.assertEqual(rows["nodes", "v1"][3], "false")
        self.assertEqual(rows["pods", "metrics.k8s.io/v1beta1"][4], "PodMetrics")

    def test_api_group_filters_and_core_means_the_legacy_group(self) -> None:
        apps = self.rows(apiGroup="apps")
        self.assertIn("deployments", apps)
        self.assertTrue(all(row[2] == "apps/v1" for row in apps.values()))
        core = self.rows(apiGroup="core")
        self.assertIn("pods", core)
        self.assertNotIn("deployments", core)

    def test_namespaced_filters_by_scope(self) -> None:
        namespaced = self.rows(namespaced=True)
        cluster = self.rows(namespaced=False)
        self.assertIn("pods", namespaced)
        self.assertNotIn("nodes", namespaced)
        self.assertIn("nodes", cluster)
        self.assertNotIn("pods", cluster)

    def test_every_verb_asked_for_must_be_supported(self) -> None:
        rows = self.rows(verbs="list, watch,create")
        self.assertIn("pods", rows)
        self.assertNotIn("componentstatuses", rows)
        self.assertTrue(all({"list", "watch", "create"} <= set(row[-1].split(",")) for row in rows.values()))

    def test_paging_by_offset_covers_every_kind_once(self) -> None:
        everything = [(row[0], row[2]) for row in table_rows(self.text("api_resources", limit=0))]
        seen: list[tuple[str, str]] = []
        offset = 0
        while True:
            text = self.text("api_resources", limit=7, offset=offset)
            seen += [(row[0], row[2]) for row in table_rows(text)]
            if "next page: offset:" not in footer(text):
                break
            offset = int(footer(text).rsplit(" ", 1)[1])
        self.assertEqual(seen, everything)
        self.assertEqual(
            footer(self.text("api_resources", limit=7)),
            f"resource types 1-7 of {len(everything)}; next page: offset: 7",
        )

    def test_a_new_crd_is_listed_once_discovery_refreshes(self) -> None:
        self.fake.add_object(WIDGET_CRD)
        # Resolving an unknown name refreshes discovery; api_resources then shows the CRD.
        self.text("list", resourceType="widgets")
        self.assertEqual(
            self.rows(apiGroup="example.com")["widgets"][:5], ["widgets", "wdg", "example.com/v1", "true", "Widget"]
        )

    def test_discovery_is_not_asked_again_on_each_call(self) -> None:
        self.text("api_resources")
        self.fake.clear_requests()
        self.text("api_resources")
        self.text("list", resourceType="pods")
        discovery = re.compile(r"/api|/apis|/api/v1|/apis/[^/]+/[^/]+")
        self.assertEqual([r.path for r in self.fake.requests if discovery.fullmatch(r.path)], [])

    def test_an_unknown_group_is_a_tool_error(self) -> None:
        self.assertIn("serves no API group 'nope.io'", self.error("api_resources", apiGroup="nope.io"))

    def test_an_offset_past_the_end_is_a_tool_error(self) -> None:
        self.assertIn("is past the end", self.error("api_resources", offset=100000))

    def test_filters_matching_nothing_say_so(self) -> None:
        self.assertEqual(self.text("api_resources", verbs="fly"), "No resource types match these filters.")


def kind(
    name: str,
    group: str = "",
    version: str = "v1",
    *,
    preferred: bool = True,
    namespaced: bool = True,
    verbs: str = "get,list",
) -> ResourceType:
    return ResourceType(
        group=group,
        version=version,
        name=name,
        kind=name.title(),
        namespaced=namespaced,
        verbs=frozenset(verbs.split(",")),
        preferred=preferred,
    )


class SelectionTests(unittest.TestCase):
    types = [
        kind("pods"),
        kind("nodes", namespaced=False),
        kind("hpas", "autoscaling", "v2"),
        kind("hpas", "autoscaling", "v1", preferred=False, verbs="get"),
    ]

    def test_preferred_versions_unless_a_version_is_asked_for(self) -> None:
        self.assertEqual(
            [
                r.version
                for r in select_resources(self.types, api_group="autoscaling", namespaced=None, verbs=frozenset())
            ],
            ["v2"],
        )
        self.assertEqual(
            [
                r.version
                for r in select_resources(self.types, api_group="autoscaling/v1", namespaced=None, verbs=frozenset())
            ],
            ["v1"],
        )

    def test_verbs_are_parsed_loosely_and_printed_in_kubectl_order(self) -> None:
        self.assertEqual(wanted_verbs(" List,WATCH ,"), frozenset({"list", "watch"}))
        self.assertEqual(verbs_text(frozenset({"watch", "get", "proxy", "create"})), "create,get,watch,proxy")
