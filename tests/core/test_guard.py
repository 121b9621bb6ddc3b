from __future__ import annotations

import unittest
from typing import Any

from k8stools.guard import GuardedClient, namespace_of_path
from k8stools.policy import Policy, PolicyDenied


class RecordingClient:
    """Stands in for `KubeClient`: records what would be sent, answers with a canned body."""

    context = "test"
    host = "http://127.0.0.1:1"

    def __init__(self, answer: Any = None) -> None:
        self.sent: list[tuple[str, str, Any]] = []
        self.answer = answer if answer is not None else {}

    def request(self, method: str, path: str, *, query: Any = None, **kwargs: Any) -> Any:
        self.sent.append((method, path, query))
        return self.answer

    raw = request


class GuardTests(unittest.TestCase):
    def guard(self, policy: Policy, operation: str, answer: Any = None) -> tuple[GuardedClient, RecordingClient]:
        client = RecordingClient(answer)
        return GuardedClient(client, policy=policy, operation=operation), client  # type: ignore[arg-type]

    def test_it_finds_the_namespace_of_a_path(self) -> None:
        self.assertEqual(namespace_of_path("/api/v1/namespaces/kube-system/pods/x"), "kube-system")
        self.assertEqual(namespace_of_path("/api/v1/namespaces/kube-system"), "kube-system")
        self.assertEqual(namespace_of_path("/apis/apps/v1/namespaces/web/deployments"), "web")
        self.assertIsNone(namespace_of_path("/api/v1/nodes/n1"))
        self.assertIsNone(namespace_of_path("/api/v1/pods"))

    def test_it_refuses_a_restricted_namespace_before_sending(self) -> None:
        guard, client = self.guard(Policy(restricted_namespaces=frozenset({"kube-system"})), "get")
        with self.assertRaises(PolicyDenied):
            guard.request("GET", "/api/v1/namespaces/kube-system/pods/coredns")
        with self.assertRaises(PolicyDenied):
            guard.request("GET", "/api/v1/namespaces/kube-system")
        self.assertEqual(client.sent, [])

    def test_it_filters_restricted_namespaces_out_of_wide_lists(self) -> None:
        pods = {
            "kind": "PodList",
            "items": [
                {"metadata": {"name": "a", "namespace": "default"}},
                {"metadata": {"name": "b", "namespace": "kube-system"}},
            ],
        }
        guard, _ = self.guard(Policy(restricted_namespaces=frozenset({"kube-system"})), "list", pods)
        result = guard.request("GET", "/api/v1/pods")
        self.assertEqual([item["metadata"]["name"] for item in result["items"]], ["a"])
        namespaces = {
            "kind": "NamespaceList",
            "items": [{"metadata": {"name": "default"}}, {"metadata": {"name": "kube-system"}}],
        }
        guard, _ = self.guard(Policy(restricted_namespaces=frozenset({"kube-system"})), "list", namespaces)
        self.assertEqual(
            [item["metadata"]["name"] for item in guard.request("GET", "/api/v1/namespaces")["items"]], ["default"]
        )

    def test_a_read_operation_can_never_write(self) -> None:
        guard, client = self.guard(Policy(non_destructive=False), "get")
        with self.assertRaisesRegex(PolicyDenied, "only reads"):
            guard.request("DELETE", "/api/v1/namespaces/default/pods/x")
        self.assertEqual(client.sent, [])

    def test_non_destructive_mode_refuses_writes(self) -> None:
        guard, client = self.guard(Policy(non_destructive=True), "delete")
        with self.assertRaises(PolicyDenied):
            guard.request("DELETE", "/api/v1/namespaces/default/pods/x")
        self.assertEqual(client.sent, [])

    def test_dry_run_adds_dry_run_all_to_writes_only(self) -> None:
        guard, client = self.guard(Policy(non_destructive=True, dry_run=True), "patch")
        guard.request("PATCH", "/apis/apps/v1/namespaces/default/deployments/web", query={"fieldManager": "kubemcp"})
        guard.request("GET", "/apis/apps/v1/namespaces/default/deployments/web")
        self.assertEqual(client.sent[0][2], [("fieldManager", "kubemcp"), ("dryRun", "All")])
        self.assertIsNone(client.sent[1][2])

    def test_exec_counts_as_a_write_even_on_get(self) -> None:
        guard, _ = self.guard(Policy(non_destructive=True, dry_run=True), "exec")
        self.assertTrue(guard.is_write("GET", "/api/v1/namespaces/default/pods/web/exec"))
        with self.assertRaises(PolicyDenied):
            guard.check("GET", "/api/v1/namespaces/default/pods/web/exec")

    def test_access_reviews_are_questions_not_writes(self) -> None:
        guard, client = self.guard(Policy(non_destructive=True), "can-i")
        guard.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body={})
        self.assertEqual(len(client.sent), 1)
