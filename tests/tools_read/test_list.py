"""`list`: compact tables, summaries and YAML; real paging; events newest first; restricted namespaces filtered."""

from __future__ import annotations

import re
import unittest

import yaml

from k8stools.kube import ResourceType
from k8stools.policy import Policy
from k8stools.tools.listing import (
    ListPage,
    combine_selectors,
    exclusion_selector,
    keyword_arguments,
    list_scope,
    next_page_line,
)
from k8stools.tools.read import _event_window_notes, _summary_text
from tests.live import LiveServerTestCase
from tests.tools_read.helpers import WIDGET_CRD, column, event, footer, pod, table_header, table_rows, widget

PODS = ResourceType(
    group="", version="v1", name="pods", kind="Pod", namespaced=True, verbs=frozenset({"list"}), singular="pod"
)
NAMESPACES = ResourceType(
    group="",
    version="v1",
    name="namespaces",
    kind="Namespace",
    namespaced=False,
    verbs=frozenset({"list"}),
    singular="namespace",
)
NODES = ResourceType(
    group="", version="v1", name="nodes", kind="Node", namespaced=False, verbs=frozenset({"list"}), singular="node"
)


def continue_token(text: str) -> str | None:
    match = re.search(r'continue: "([^"]+)"', text)
    return match.group(1) if match else None


class ListTests(LiveServerTestCase):
    seed = {"pods": 40, "namespaces": 2}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake.add_object(WIDGET_CRD)
        for name in ("alpha", "beta", "gamma"):
            cls.fake.add_object(widget(name, "payments"))
        for index, minutes in enumerate((30, 5, 50, 1, 20)):
            # Names in the reverse order of time, so that name order is not newest-first order.
            cls.fake.add_object(event(f"e{index}", namespace="events-ns", minutes_ago=minutes, target=f"pod-{minutes}"))

    def names(self, namespace: str | None = None) -> list[str]:
        return sorted(p["metadata"]["name"] for p in self.fake.list_objects("pods", namespace))

    def test_it_lists_pods_as_a_kubectl_table(self) -> None:
        text = self.text("list", resourceType="po", namespace="payments")
        self.assertEqual(table_header(text), ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE"])
        self.assertEqual(sorted(row[0] for row in table_rows(text)), self.names("payments"))
        self.assertEqual(footer(text), f"{len(self.names('payments'))} pods in namespace payments")

    def test_it_shows_waiting_reasons_and_restarts(self) -> None:
        text = self.text("list", resourceType="pods", allNamespaces=True)
        self.assertIn("CrashLoopBackOff", column(text, "STATUS"))
        self.assertIn("Pending", column(text, "STATUS"))

    def test_all_namespaces_adds_the_namespace_column(self) -> None:
        text = self.text("list", resourceType="pods", allNamespaces=True)
        self.assertEqual(table_header(text)[0], "NAMESPACE")
        self.assertEqual(len(table_rows(text)), len(self.names()))
        self.assertEqual(footer(text), f"{len(self.names())} pods in all namespaces")

    def test_wide_output_adds_the_wide_columns(self) -> None:
        text = self.text("list", resourceType="deploy", namespace="payments", output="wide")
        self.assertEqual(table_header(text)[-3:], ["CONTAINERS", "IMAGES", "SELECTOR"])

    def test_full_output_gives_the_objects_as_slim_yaml(self) -> None:
        text = self.text("list", resourceType="pods", namespace="payments", fullOutput=True)
        document = yaml.safe_load(text)
        self.assertEqual(document["kind"], "PodList")
        self.assertEqual(sorted(item["metadata"]["name"] for item in document["items"]), self.names("payments"))
        self.assertNotIn("uid", document["items"][0]["metadata"])
        self.assertIn(f"# {len(self.names('payments'))} pods in namespace payments", text)

    def test_output_full_alone_gives_whole_objects(self) -> None:
        document = yaml.safe_load(self.text("list", resourceType="pods", namespace="payments", output="full"))
        self.assertIn("uid", document["items"][0]["metadata"])

    def test_secrets_are_masked_in_tables_yaml_and_summaries(self) -> None:
        stored = self.fake.get_object("secrets", "payments", "db-credentials")["data"]["password"]
        for arguments in (
            {},
            {"output": "wide"},
            {"fullOutput": True},
            {"fullOutput": True, "output": "full"},
            {"output": "full"},
            {"summary": True},
            {"includeAnnotations": True},
        ):
            with self.subTest(**arguments):
                text = self.text("list", resourceType="secrets", namespace="payments", **arguments)
                self.assertNotIn(stored, text)
                self.assertIn("db-credentials", text)
        document = yaml.safe_load(self.text("list", resourceType="secrets", namespace="payments", output="full"))
        self.assertEqual({v for item in document["items"] for v in item["data"].values()}, {"***REDACTED***"})

    def test_summary_counts_by_status_and_namespace(self) -> None:
        text = self.text("list", resourceType="pods", allNamespaces=True, summary=True)
        self.assertTrue(text.startswith(f"Pod: {len(self.names())} total"))
        self.assertIn("CrashLoopBackOff 1", text)
        self.assertIn(f"payments {len(self.names('payments'))}", text)

    def test_labels_and_annotations_on_request(self) -> None:
        text = self.text(
            "list", resourceType="deploy", namespace="payments", includeLabels=True, includeAnnotations=True
        )
        self.assertEqual(table_header(text)[-1], "LABELS")
        self.assertIn("app=api,tier=backend", text)
        self.assertIn("  api: kubernetes.io/change-cause=deploy ghcr.io/acme/api:2.14.1", text)

    def test_selectors_go_to_the_api_server(self) -> None:
        self.fake.clear_requests()
        text = self.text(
            "list",
            resourceType="pods",
            namespace="payments",
            labelSelector="app=api",
            fieldSelector="status.phase=Running",
        )
        request = [r for r in self.fake.requests if r.path == "/api/v1/namespaces/payments/pods"][-1]
        self.assertEqual(request.query["labelSelector"], "app=api")
        self.assertEqual(request.query["fieldSelector"], "status.phase=Running")
        self.assertTrue(all(row[0].startswith("api-") for row in table_rows(text)))

    def test_a_bad_selector_is_a_tool_error_from_the_api_server(self) -> None:
        message = self.error("list", resourceType="pods", namespace="payments", fieldSelector="spec.colour=red")
        self.assertIn("spec.colour", message)

    def test_events_are_listed_newest_first(self) -> None:
        text = self.text("list", resourceType="ev", namespace="events-ns", limit=3)
        self.assertEqual(column(text, "OBJECT"), ["pod/pod-1", "pod/pod-5", "pod/pod-20"])
        self.assertIn("2 older events not shown", footer(text))

    def test_it_lists_custom_resources(self) -> None:
        for resource_type in ("widgets", "wdg", "Widget"):
            with self.subTest(resourceType=resource_type):
                text = self.text("list", resourceType=resource_type, namespace="payments")
                self.assertEqual([row[0] for row in table_rows(text)], ["alpha", "beta", "gamma"])
                self.assertEqual(footer(text), "3 widgets in namespace payments")

    def test_a_cluster_scoped_kind_ignores_the_namespace(self) -> None:
        text = self.text("list", resourceType="nodes", namespace="payments")
        self.assertEqual(len(table_rows(text)), 3)
        self.assertIn("nodes are cluster-scoped; namespace 'payments' was ignored", footer(text))

    def test_an_unknown_kind_gets_a_suggestion(self) -> None:
        message = self.error("list", resourceType="podz")
        self.assertIn("unknown resource type 'podz'; did you mean", message)
        self.assertIn("'pods'", message)

    def test_an_empty_list_says_so(self) -> None:
        text = self.text("list", resourceType="pods", namespace="payments", labelSelector="app=none")
        self.assertEqual(text, "No resources found.\n\n0 pods in namespace payments")

    def test_a_limit_over_the_maximum_is_a_tool_error(self) -> None:
        message = self.error("list", resourceType="pods", limit=5000)
        self.assertIn("invalid argument 'limit'", message)
        self.assertIn("max 1000", message)

    def test_a_bad_continue_token_is_a_tool_error(self) -> None:
        message = self.error("list", resourceType="pods", namespace="payments", limit=2, **{"continue": "garbage"})
        self.assertIn("continue", message)

    def test_a_kind_that_cannot_be_listed_says_what_it_supports(self) -> None:
        message = self.error("list", resourceType="selfsubjectaccessreviews")
        self.assertIn("does not support 'list'", message)


class PagingTests(LiveServerTestCase):
    seed = {"pods": 250, "namespaces": 2}

    def test_pages_cover_every_pod_exactly_once(self) -> None:
        expected = sorted((p["metadata"]["namespace"], p["metadata"]["name"]) for p in self.fake.list_objects("pods"))
        seen: list[tuple[str, str]] = []
        token = None
        pages = 0
        self.fake.clear_requests()
        while True:
            arguments = {"continue": token} if token else {}
            text = self.text("list", resourceType="pods", allNamespaces=True, limit=100, **arguments)
            seen += [(row[0], row[1]) for row in table_rows(text)]
            pages += 1
            token = continue_token(text)
            if token is None:
                break
            remaining = len(expected) - len(seen)
            self.assertIn(f"{remaining} more; next page", footer(text))
        self.assertEqual(sorted(seen), expected)
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(pages, 3)
        lists = [r for r in self.fake.requests if r.path == "/api/v1/pods"]
        self.assertEqual(len(lists), 3)
        self.assertTrue(all(r.query.get("limit") == "100" for r in lists))

    def test_a_page_of_a_hundred_pods_costs_under_120_bytes_per_pod(self) -> None:
        for arguments in ({"namespace": "payments"}, {"allNamespaces": True}):
            with self.subTest(**arguments):
                text = self.text("list", resourceType="pods", limit=100, **arguments)
                self.assertEqual(len(table_rows(text)), 100)
                self.assertLess(len(text.encode()) / 100, 120)

    def test_a_page_of_yaml_too_big_to_answer_says_which_limit_fits(self) -> None:
        message = self.error("list", resourceType="pods", allNamespaces=True, limit=250, output="full")
        match = re.search(r"ask for limit: (\d+)", message)
        self.assertIsNotNone(match)
        fitting = int(match.group(1))
        self.text("list", resourceType="pods", allNamespaces=True, limit=fitting, output="full")


class SmallAnswerTests(LiveServerTestCase):
    seed = {"pods": 40, "namespaces": 1}
    server_env = {"MAX_RESPONSE_BYTES": "2048"}

    def test_a_table_too_big_to_answer_says_which_limit_fits(self) -> None:
        message = self.error("list", resourceType="pods", allNamespaces=True)
        self.assertIn("bytes as a table, over the 2048-byte answer limit", message)
        fitting = int(re.search(r"ask for limit: (\d+)", message).group(1))
        text = self.text("list", resourceType="pods", allNamespaces=True, limit=fitting)
        self.assertEqual(len(table_rows(text)), fitting)
        self.assertIsNotNone(continue_token(text))


class RestrictedListTests(LiveServerTestCase):
    seed = {"pods": 12, "namespaces": 2}
    server_env = {"RESTRICTED_NAMESPACES": "kube-system"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        for index in range(3):
            cls.fake.add_object(pod(f"system-{index}", "kube-system"))

    def visible(self) -> list[str]:
        return sorted(
            p["metadata"]["name"] for p in self.fake.list_objects("pods") if p["metadata"]["namespace"] != "kube-system"
        )

    def test_all_namespace_lists_leave_restricted_namespaces_out_and_count_true(self) -> None:
        self.fake.clear_requests()
        text = self.text("list", resourceType="pods", allNamespaces=True, limit=5)
        self.assertNotIn("kube-system", text)
        self.assertIn(f"{len(self.visible()) - 5} more", footer(text))
        self.assertIn("restricted namespaces are excluded by the server policy", footer(text))
        request = [r for r in self.fake.requests if r.path == "/api/v1/pods"][-1]
        self.assertEqual(request.query["fieldSelector"], "metadata.namespace!=kube-system")

    def test_paging_through_a_filtered_list_loses_nothing(self) -> None:
        seen: list[str] = []
        token = None
        while True:
            arguments = {"continue": token} if token else {}
            text = self.text("list", resourceType="pods", allNamespaces=True, limit=4, **arguments)
            seen += [row[1] for row in table_rows(text)]
            token = continue_token(text)
            if token is None:
                break
        self.assertEqual(sorted(seen), self.visible())

    def test_summaries_do_not_count_restricted_namespaces(self) -> None:
        text = self.text("list", resourceType="pods", allNamespaces=True, summary=True)
        self.assertTrue(text.startswith(f"Pod: {len(self.visible())} total"))
        self.assertNotIn("kube-system", text)

    def test_the_restricted_namespace_object_is_not_listed(self) -> None:
        text = self.text("list", resourceType="namespaces")
        self.assertNotIn("kube-system", text)
        self.assertIn("payments", text)

    def test_listing_in_a_restricted_namespace_is_refused_without_a_request(self) -> None:
        self.fake.clear_requests()
        message = self.error("list", resourceType="pods", namespace="kube-system")
        self.assertIn('namespace "kube-system" is restricted', message)
        self.assertEqual([r.path for r in self.fake.requests if r.namespace == "kube-system"], [])


class ListingLogicTests(unittest.TestCase):
    def test_restricted_namespaces_become_a_field_selector_on_lists_across_namespaces(self) -> None:
        policy = Policy(restricted_namespaces=frozenset({"kube-system", "vault"}))
        self.assertEqual(
            exclusion_selector(policy, PODS, None), "metadata.namespace!=kube-system,metadata.namespace!=vault"
        )
        self.assertEqual(exclusion_selector(policy, PODS, "payments"), "")
        self.assertEqual(
            exclusion_selector(policy, NAMESPACES, None), "metadata.name!=kube-system,metadata.name!=vault"
        )
        self.assertEqual(exclusion_selector(policy, NODES, None), "")
        self.assertEqual(exclusion_selector(Policy(), PODS, None), "")

    def test_selectors_combine_with_commas_skipping_empty_ones(self) -> None:
        self.assertEqual(combine_selectors("a=b", "", None, " c!=d "), "a=b,c!=d")

    def test_scope_of_a_list(self) -> None:
        self.assertEqual(list_scope(PODS, None, False, "default").namespace, "default")
        self.assertIsNone(list_scope(PODS, "x", True, "default").namespace)
        self.assertEqual(
            list_scope(PODS, "x", True, "default").notes, ("allNamespaces is set; namespace 'x' was ignored",)
        )
        self.assertEqual(
            list_scope(NODES, "x", False, "default").notes, ("nodes are cluster-scoped; namespace 'x' was ignored",)
        )

    def test_next_page_line(self) -> None:
        self.assertEqual(next_page_line(ListPage([])), "")
        self.assertEqual(
            next_page_line(ListPage([], "t", 5)),
            '5 more; next page: call again with the same arguments and continue: "t"',
        )
        self.assertTrue(next_page_line(ListPage([], "t", None)).startswith("more remain;"))

    def test_event_window_notes_say_what_was_left_out(self) -> None:
        self.assertEqual(_event_window_notes(10, 100, False), [])
        self.assertEqual(
            _event_window_notes(150, 100, False),
            ["50 older events not shown; raise limit (max 1000) or narrow with fieldSelector"],
        )
        full = _event_window_notes(5000, 100, True)
        self.assertTrue(full[0].startswith("newest first among the first 5000 events the API server returned"))
        self.assertEqual(len(full), 2)

    def test_a_summary_cut_short_says_how_to_count_the_rest(self) -> None:
        items = [{"metadata": {"name": "a", "namespace": "x"}, "status": {"phase": "Running"}}]
        text = _summary_text(PODS, "in all namespaces", ListPage(items, "tok", 7), [])
        self.assertTrue(
            text.endswith('counted the first 1; 7 more not counted: call again with continue: "tok" to count the rest')
        )

    def test_keyword_arguments_are_renamed_for_the_function(self) -> None:
        @keyword_arguments(**{"continue": "continue_"})
        def tool(call: object, continue_: str | None = None) -> str | None:
            return continue_

        self.assertEqual(tool(None, **{"continue": "token"}), "token")
        self.assertIsNone(tool(None))
