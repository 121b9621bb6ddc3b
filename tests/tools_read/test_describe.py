"""`describe`: the object, its related objects and its events, like kubectl describe."""

from __future__ import annotations

import base64
import unittest

from k8stools.tools.related import map_selector_string, selector_string
from tests.live import LiveServerTestCase
from tests.tools_read.helpers import WIDGET_CRD, event, pod, widget


class DescribeTests(LiveServerTestCase):
    seed = {"pods": 40, "namespaces": 2}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake.add_object(WIDGET_CRD)
        cls.fake.add_object(widget("gizmo", "payments", size=7))
        cls.pod = sorted(
            p["metadata"]["name"]
            for p in cls.fake.list_objects("pods", "payments")
            if p["metadata"]["name"].startswith("api-")
        )[0]
        cls.fake.add_object(pod("lonely", "payments"))
        for index, minutes in enumerate((40, 3, 25)):
            cls.fake.add_object(
                event(
                    f"lonely.{index}",
                    namespace="payments",
                    minutes_ago=minutes,
                    target="lonely",
                    reason=f"Reason{minutes}",
                    type="Warning" if minutes == 3 else "Normal",
                )
            )
        # The same name in another kind and another namespace: not this pod's events.
        cls.fake.add_object(
            event("other.1", namespace="payments", minutes_ago=1, kind="Service", target="lonely", reason="NotMine")
        )
        cls.fake.add_object(pod("lonely", "checkout"))
        cls.fake.add_object(
            event("other.2", namespace="checkout", minutes_ago=1, target="lonely", reason="NotMineEither")
        )

    def api_pods(self) -> list[str]:
        return sorted(
            p["metadata"]["name"]
            for p in self.fake.list_objects("pods", "payments")
            if p["metadata"]["labels"].get("app") == "api"
        )

    def test_a_deployment_shows_its_replica_sets_pods_and_events(self) -> None:
        text = self.text("describe", resourceType="deploy", name="api", namespace="payments")
        self.assertTrue(text.startswith("Name:        api\nNamespace:   payments\nKind:        Deployment (apps/v1)"))
        replica_set = next(
            rs["metadata"]["name"]
            for rs in self.fake.list_objects("replicasets", "payments", "apps")
            if rs["metadata"]["name"].startswith("api-")
        )
        self.assertIn(f"NewReplicaSet:  {replica_set}", text)
        self.assertIn("Pods:\n  NAME", text)
        for name in self.api_pods():
            self.assertIn(name, text)
        self.assertIn("ScalingReplicaSet", text.split("Events:", 1)[1])

    def test_a_statefulset_shows_its_pods(self) -> None:
        text = self.text("describe", resourceType="sts", name="postgres", namespace="payments")
        self.assertRegex(text, r"Selector:\s+app=postgres")
        for ordinal in range(3):
            self.assertIn(f"postgres-{ordinal}", text.split("Pods:", 1)[1])

    def test_a_pod_shows_its_owner(self) -> None:
        text = self.text("describe", resourceType="po", name=self.pod, namespace="payments")
        self.assertRegex(text, r"Controlled By:\s+ReplicaSet/api-")

    def test_only_the_objects_own_events_are_shown_newest_first(self) -> None:
        text = self.text("describe", resourceType="po", name="lonely", namespace="payments")
        events = text.split("Events:", 1)[1]
        self.assertLess(events.index("Reason3"), events.index("Reason25"))
        self.assertLess(events.index("Reason25"), events.index("Reason40"))
        self.assertNotIn("NotMine", events)

    def test_events_limit_keeps_the_newest_and_says_how_many_were_left_out(self) -> None:
        text = self.text("describe", resourceType="pod", name="lonely", namespace="payments", eventsLimit=1)
        self.assertIn("Reason3", text)
        self.assertNotIn("Reason25", text)
        self.assertTrue(text.endswith("2 older events not shown (eventsLimit 1)"))

    def test_a_service_shows_the_pods_it_selects(self) -> None:
        text = self.text("describe", resourceType="svc", name="api", namespace="payments")
        self.assertRegex(text, r"Selector:\s+app=api")
        for name in self.api_pods():
            self.assertIn(name, text)

    def test_a_node_shows_the_pods_on_it(self) -> None:
        self.fake.clear_requests()
        text = self.text("describe", resourceType="no", name="worker-1", namespace="ignored")
        on_node = [
            p["metadata"]["name"] for p in self.fake.list_objects("pods") if p["spec"].get("nodeName") == "worker-1"
        ]
        self.assertTrue(on_node)
        for name in on_node:
            self.assertIn(name, text)
        self.assertIn("nodes are cluster-scoped; namespace 'ignored' was ignored", text)
        request = [r for r in self.fake.requests if r.path == "/api/v1/pods"][-1]
        self.assertEqual(request.query["fieldSelector"], "spec.nodeName=worker-1")

    def test_a_secret_shows_sizes_never_values(self) -> None:
        stored = self.fake.get_object("secrets", "payments", "db-credentials")["data"]
        for output in ("slim", "full"):
            with self.subTest(output=output):
                text = self.text(
                    "describe", resourceType="secret", name="db-credentials", namespace="payments", output=output
                )
                self.assertRegex(text, r"password:\s+\d+ bytes")
                for value in stored.values():
                    self.assertNotIn(value, text)
                    self.assertNotIn(base64.b64decode(value).decode(), text)

    def test_a_custom_resource_shows_its_spec(self) -> None:
        text = self.text("describe", resourceType="wdg", name="gizmo", namespace="payments")
        self.assertIn("Kind:        Widget (example.com/v1)", text)
        self.assertIn("size: 7", text)

    def test_output_full_appends_the_object(self) -> None:
        text = self.text("describe", resourceType="pod", name=self.pod, namespace="payments", output="full")
        self.assertIn("\nObject:\napiVersion: v1\nkind: Pod\n", text)
        self.assertIn("uid:", text)

    def test_a_missing_object_is_a_not_found_error(self) -> None:
        message = self.error("describe", resourceType="deploy", name="nope", namespace="payments")
        self.assertIn('"nope" not found', message)

    def test_an_unknown_kind_gets_a_suggestion(self) -> None:
        self.assertIn("did you mean", self.error("describe", resourceType="deploymnt", name="api"))

    def test_an_events_limit_over_the_maximum_is_a_tool_error(self) -> None:
        message = self.error("describe", resourceType="pod", name=self.pod, namespace="payments", eventsLimit=5000)
        self.assertIn("invalid argument 'eventsLimit'", message)


class RestrictedDescribeTests(LiveServerTestCase):
    seed = {"pods": 12, "namespaces": 2}
    server_env = {"RESTRICTED_NAMESPACES": "kube-system"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake.add_object(pod("system-agent", "kube-system", node="worker-1"))
        cls.fake.add_object(pod("visible-agent", "payments", node="worker-1"))

    def test_it_refuses_an_object_in_a_restricted_namespace_without_a_request(self) -> None:
        self.fake.clear_requests()
        message = self.error("describe", resourceType="pod", name="system-agent", namespace="kube-system")
        self.assertIn('namespace "kube-system" is restricted', message)
        self.assertEqual([r.path for r in self.fake.requests if r.namespace == "kube-system"], [])

    def test_a_node_does_not_show_pods_of_restricted_namespaces(self) -> None:
        self.fake.clear_requests()
        text = self.text("describe", resourceType="node", name="worker-1")
        self.assertIn("visible-agent", text)
        self.assertNotIn("system-agent", text)
        request = [r for r in self.fake.requests if r.path == "/api/v1/pods"][-1]
        self.assertEqual(request.query["fieldSelector"], "spec.nodeName=worker-1,metadata.namespace!=kube-system")


class SelectorTests(unittest.TestCase):
    def test_a_label_selector_becomes_a_query(self) -> None:
        selector = {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["b", "a"]},
                {"key": "canary", "operator": "DoesNotExist"},
            ],
        }
        self.assertEqual(selector_string(selector), "app=web,!canary,tier in (a,b)")

    def test_an_empty_selector_selects_nothing_in_particular(self) -> None:
        self.assertEqual(selector_string({}), "")
        self.assertEqual(selector_string(None), "")
        self.assertEqual(map_selector_string({}), "")

    def test_a_service_selector_map_becomes_a_query(self) -> None:
        self.assertEqual(map_selector_string({"tier": "db", "app": "pg"}), "app=pg,tier=db")
