"""`events`: newest first, filtered by object, type, reason and age, in a compact table."""

from __future__ import annotations

import unittest

from k8stools.tools.events import involved_object_selector
from tests.live import LiveServerTestCase
from tests.tools_read.helpers import column, event, footer, table_header


class EventsTests(LiveServerTestCase):
    seed = {"pods": 12, "namespaces": 2}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        add = cls.fake.add_object
        add(event("a", namespace="shop", minutes_ago=2, target="web-1", type="Warning", reason="OOMKilling", count=5))
        add(event("b", namespace="shop", minutes_ago=30, target="web-2", reason="Pulled"))
        add(event("c", namespace="shop", minutes_ago=90, target="web-1", type="Warning", reason="Unhealthy"))
        add(event("d", namespace="shop", minutes_ago=10, kind="Deployment", target="web", reason="ScalingReplicaSet"))
        add(event("e", namespace="shop", minutes_ago=600, target="web-3", reason="Scheduled"))
        add(event("f", namespace="other", minutes_ago=1, target="db-1", type="Warning", reason="OOMKilling"))

    def test_it_lists_a_namespaces_events_newest_first(self) -> None:
        text = self.text("events", namespace="shop")
        self.assertEqual(table_header(text), ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"])
        self.assertEqual(column(text, "OBJECT"), ["pod/web-1", "deployment/web", "pod/web-2", "pod/web-1", "pod/web-3"])
        self.assertIn("(x5 over", text.splitlines()[1])
        self.assertEqual(footer(text), "5 events in namespace shop, newest first")

    def test_it_filters_by_type_and_reason_on_the_api_server(self) -> None:
        self.fake.clear_requests()
        text = self.text("events", namespace="shop", type="Warning", reason="OOMKilling")
        self.assertEqual(column(text, "REASON"), ["OOMKilling"])
        request = [r for r in self.fake.requests if r.path == "/api/v1/namespaces/shop/events"][-1]
        self.assertEqual(request.query["fieldSelector"], "type=Warning,reason=OOMKilling")

    def test_it_filters_by_the_object_kind_alias_and_name(self) -> None:
        text = self.text("events", namespace="shop", kind="po", name="web-1")
        self.assertEqual(column(text, "REASON"), ["OOMKilling", "Unhealthy"])
        text = self.text("events", namespace="shop", kind="deploy")
        self.assertEqual(column(text, "OBJECT"), ["deployment/web"])

    def test_it_filters_by_age(self) -> None:
        text = self.text("events", namespace="shop", sinceMinutes=45)
        self.assertEqual(column(text, "REASON"), ["OOMKilling", "ScalingReplicaSet", "Pulled"])
        self.assertEqual(footer(text), "3 events in namespace shop in the last 45 minutes, newest first")

    def test_limit_keeps_the_newest_and_says_how_many_are_older(self) -> None:
        text = self.text("events", namespace="shop", limit=2)
        self.assertEqual(column(text, "REASON"), ["OOMKilling", "ScalingReplicaSet"])
        self.assertIn("3 older events not shown", footer(text))

    def test_all_namespaces(self) -> None:
        text = self.text("events", allNamespaces=True, type="Warning", reason="OOMKilling")
        self.assertEqual(table_header(text)[0], "NAMESPACE")
        self.assertEqual(column(text, "NAMESPACE"), ["other", "shop"])

    def test_wide_output_shows_counts_and_sources(self) -> None:
        text = self.text("events", namespace="shop", output="wide", limit=1)
        self.assertEqual(column(text, "COUNT"), ["5"])
        self.assertEqual(column(text, "SOURCE"), ["kubelet"])

    def test_no_events_says_so(self) -> None:
        text = self.text("events", namespace="shop", reason="NeverHappened")
        self.assertTrue(text.startswith("No resources found."))

    def test_an_unknown_kind_gets_a_suggestion(self) -> None:
        self.assertIn("did you mean", self.error("events", namespace="shop", kind="deploymnt"))

    def test_a_bad_type_is_a_tool_error(self) -> None:
        self.assertIn("invalid argument 'type'", self.error("events", namespace="shop", type="Error"))


class RestrictedEventsTests(LiveServerTestCase):
    seed = {"pods": 12, "namespaces": 2}
    server_env = {"RESTRICTED_NAMESPACES": "kube-system"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake.add_object(
            event(
                "secret-ops",
                namespace="kube-system",
                minutes_ago=1,
                target="etcd-0",
                type="Warning",
                reason="SystemTrouble",
            )
        )
        cls.fake.add_object(
            event("app", namespace="shop", minutes_ago=1, target="web-1", type="Warning", reason="AppTrouble")
        )
        about_restricted = event("cross", namespace="shop", minutes_ago=1, target="etcd-0", reason="CrossTrouble")
        about_restricted["involvedObject"]["namespace"] = "kube-system"
        cls.fake.add_object(about_restricted)

    def test_it_refuses_a_restricted_namespace_without_a_request(self) -> None:
        self.fake.clear_requests()
        message = self.error("events", namespace="kube-system")
        self.assertIn('namespace "kube-system" is restricted', message)
        self.assertEqual([r.path for r in self.fake.requests if r.namespace == "kube-system"], [])

    def test_all_namespaces_leaves_the_restricted_ones_out(self) -> None:
        self.fake.clear_requests()
        text = self.text("events", allNamespaces=True, type="Warning")
        self.assertIn("AppTrouble", text)
        self.assertNotIn("SystemTrouble", text)
        self.assertIn("restricted namespaces are excluded by the server policy", footer(text))
        request = [r for r in self.fake.requests if r.path == "/api/v1/events"][-1]
        self.assertEqual(request.query["fieldSelector"], "type=Warning,metadata.namespace!=kube-system")

    def test_events_about_objects_in_a_restricted_namespace_are_left_out_wherever_they_live(self) -> None:
        for arguments in ({"namespace": "shop"}, {"allNamespaces": True}):
            with self.subTest(**arguments):
                text = self.text("events", **arguments)
                self.assertIn("AppTrouble", text)
                self.assertNotIn("CrossTrouble", text)
        self.assertNotIn("CrossTrouble", self.text("list", resourceType="events", namespace="shop", fullOutput=True))
        refused = self.error("get", resourceType="events", name="cross", namespace="shop")
        self.assertIn("restricted by the server policy", refused)


class SelectorTests(unittest.TestCase):
    def test_filters_become_event_field_selectors(self) -> None:
        self.assertEqual(
            involved_object_selector(kind="Pod", name="web-1", type="Warning", reason="BackOff"),
            "involvedObject.kind=Pod,involvedObject.name=web-1,type=Warning,reason=BackOff",
        )
        self.assertEqual(involved_object_selector(kind=None, name=None, type=None, reason=None), "")
