"""`completion/complete`: namespaces, resource types, object names and contexts, through the MCP client."""

from __future__ import annotations

import unittest

from mcp_types import CompleteResult, PromptReference, ResourceTemplateReference

from k8stools.completion import MAX_VALUES, completion_of, names_in
from tests.live import LiveServerTestCase
from tests.tools_read.helpers import event, pod

PROMPT = PromptReference(name="troubleshoot")
TEMPLATE = ResourceTemplateReference(uri="k8s://{namespace}/{resourceType}/{name}")


class CompletionTests(LiveServerTestCase):
    seed = {"pods": 12, "namespaces": 2}

    def complete(self, argument: str, value: str, ref: object = PROMPT, **context: str) -> CompleteResult:
        return self.with_client(
            lambda client: client.complete(ref, {"name": argument, "value": value}, context_arguments=context or None)
        )

    def test_the_server_says_it_completes(self) -> None:
        capabilities = self.with_client(lambda client: _capabilities(client))
        self.assertIsNotNone(capabilities.completions)

    def test_namespaces_by_prefix(self) -> None:
        result = self.complete("namespace", "pa")
        self.assertEqual(result.completion.values, ["payments"])
        self.assertEqual(result.completion.total, 1)
        self.assertFalse(result.completion.has_more)
        everything = self.complete("namespace", "").completion.values
        self.assertEqual(everything, sorted(ns["metadata"]["name"] for ns in self.fake.list_objects("namespaces")))

    def test_resource_types_from_discovery_names_and_short_names(self) -> None:
        values = self.complete("resourceType", "deploy").completion.values
        self.assertEqual(values, ["deploy", "deployments"])
        self.assertIn("po", self.complete("resourceType", "PO").completion.values)

    def test_object_names_of_the_kind_and_namespace_given(self) -> None:
        expected = sorted(
            p["metadata"]["name"]
            for p in self.fake.list_objects("pods", "payments")
            if p["metadata"]["name"].startswith("api-")
        )
        self.assertTrue(expected)
        result = self.complete("name", "api-", resourceType="po", namespace="payments")
        self.assertEqual(result.completion.values, expected)
        nodes = self.complete("name", "work", ref=TEMPLATE, resourceType="nodes")
        self.assertEqual(nodes.completion.values, ["worker-1", "worker-2"])

    def test_names_without_a_resource_type_complete_to_nothing(self) -> None:
        self.assertEqual(self.complete("name", "a").completion.values, [])

    def test_kubeconfig_contexts(self) -> None:
        self.assertEqual(self.complete("contextName", "").completion.values, ["fake", "other"])
        self.assertEqual(self.complete("context", "o", ref=TEMPLATE).completion.values, ["other"])

    def test_failures_give_an_empty_completion_not_an_error(self) -> None:
        self.assertEqual(self.complete("name", "a", resourceType="nosuchkind").completion.values, [])
        self.assertEqual(self.complete("name", "a", resourceType="pods", context="nosuchcontext").completion.values, [])
        self.assertEqual(self.complete("colour", "r").completion.values, [])

    def test_at_most_a_hundred_values_with_has_more(self) -> None:
        for index in range(MAX_VALUES + 5):
            self.fake.add_object(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": f"many-{index:03d}", "namespace": "payments"},
                }
            )
        result = self.complete("name", "many-", resourceType="cm", namespace="payments")
        self.assertEqual(len(result.completion.values), MAX_VALUES)
        self.assertEqual(result.completion.total, MAX_VALUES + 5)
        self.assertTrue(result.completion.has_more)


async def _capabilities(client: object) -> object:
    return client.server_capabilities  # type: ignore[attr-defined]


class RestrictedCompletionTests(LiveServerTestCase):
    seed = {"pods": 12, "namespaces": 2}
    server_env = {"RESTRICTED_NAMESPACES": "kube-system"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake.add_object(pod("kube-apiserver", "kube-system"))
        about_restricted = event("etcd-hidden.17a2", namespace="default", minutes_ago=1, target="etcd-hidden")
        about_restricted["involvedObject"]["namespace"] = "kube-system"
        cls.fake.add_object(about_restricted)
        cls.fake.add_object(event("etcd-visible.17a3", namespace="default", minutes_ago=1, target="etcd-visible"))

    def complete(self, argument: str, value: str, **context: str) -> CompleteResult:
        return self.with_client(
            lambda client: client.complete(
                PROMPT, {"name": argument, "value": value}, context_arguments=context or None
            )
        )

    def test_restricted_namespaces_are_never_offered(self) -> None:
        self.assertEqual(self.complete("namespace", "kube-").completion.values, ["kube-node-lease", "kube-public"])
        self.assertNotIn("kube-system", self.complete("name", "kube", resourceType="ns").completion.values)

    def test_names_in_a_restricted_namespace_are_not_asked_for(self) -> None:
        self.fake.clear_requests()
        self.assertEqual(
            self.complete("name", "kube", resourceType="pods", namespace="kube-system").completion.values, []
        )
        self.assertEqual([r.path for r in self.fake.requests if r.namespace == "kube-system"], [])

    def test_event_names_that_name_an_object_in_a_restricted_namespace_are_not_offered(self) -> None:
        values = self.complete("name", "etcd", resourceType="events", namespace="default").completion.values
        self.assertEqual(values, ["etcd-visible.17a3"])

    def test_a_namespace_that_is_not_a_plain_name_completes_to_nothing(self) -> None:
        self.fake.clear_requests()
        for namespace in ("default/../kube-system", "kube-system\n", "KUBE-SYSTEM", "default/%2e%2e/kube-system"):
            with self.subTest(namespace=namespace):
                values = self.complete("name", "kube", resourceType="pods", namespace=namespace).completion.values
                self.assertEqual(values, [])
        self.assertEqual([r.path for r in self.fake.requests if "pods" in r.path], [])


class MatchingTests(unittest.TestCase):
    def test_prefix_matching_is_case_insensitive_sorted_and_unique(self) -> None:
        completion = completion_of(["Pods", "po", "pods", "secrets", "po"], "PO")
        self.assertEqual(completion.values, ["Pods", "po", "pods"])
        self.assertEqual(completion.total, 3)
        self.assertFalse(completion.has_more)

    def test_names_come_from_tables_or_lists(self) -> None:
        table = {
            "kind": "Table",
            "rows": [{"cells": ["a", "1/1"], "object": {"metadata": {"name": "a"}}}, {"cells": ["b", "0/1"]}],
        }
        self.assertEqual(names_in(table), ["a", "b"])
        self.assertEqual(names_in({"items": [{"metadata": {"name": "c"}}]}), ["c"])
        self.assertEqual(names_in({}), [])
