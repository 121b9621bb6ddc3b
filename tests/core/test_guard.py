"""The guard decides on the request value, then on the final URL as urllib3 will send it."""

from __future__ import annotations

import unittest
from dataclasses import replace
from typing import Any

from kubernetes import client as k8s_client

from k8stools.apirequest import (
    NAMESPACES,
    PODS,
    ApiRequest,
    FixedKind,
    node_proxy_request,
    nonresource,
    resource_request,
)
from k8stools.completion import object_names
from k8stools.guard import GuardedClient, RequestMismatch, verify_final_url
from k8stools.kube import ResourceType
from k8stools.policy import Policy, PolicyDenied

HOST = "http://127.0.0.1:1"
DEPLOYMENTS = FixedKind("apps", "v1", "deployments")
REVIEWS = FixedKind("authorization.k8s.io", "v1", "selfsubjectaccessreviews", namespaced=False)
RESTRICTED = Policy(restricted_namespaces=frozenset({"kube-system", "payments"}))


class RecordingClient:
    """Stands in for `KubeClient`: serialises each request as the kubernetes client does, runs the guard's
    last check on that URL, records what would be sent and answers with a canned body."""

    context = "test"
    host = HOST

    def __init__(self, answer: Any = None, *, host: str = HOST) -> None:
        self.host = host
        self.sent: list[tuple[ApiRequest, str]] = []
        self.answer = answer if answer is not None else {}
        configuration = k8s_client.Configuration()
        configuration.host = host
        self.api_client = k8s_client.ApiClient(configuration)

    def request(self, request: ApiRequest, *, timeout: Any = None, url_check: Any = None) -> Any:
        _, url, _, _, _ = self.api_client.param_serialize(
            method=request.method, resource_path=request.path, query_params=list(request.query), header_params={}
        )
        if url_check is not None:
            url_check(url)
        self.sent.append((request, url))
        return self.answer

    text = request


def guard(policy: Policy, operation: str, answer: Any = None, **options: Any) -> tuple[GuardedClient, RecordingClient]:
    client = RecordingClient(answer, **options)
    return GuardedClient(client, policy=policy, operation=operation), client  # type: ignore[arg-type]


class GuardDecisionTests(unittest.TestCase):
    def test_it_refuses_a_restricted_namespace_before_sending(self) -> None:
        guarded, client = guard(RESTRICTED, "get")
        with self.assertRaisesRegex(PolicyDenied, 'namespace "kube-system" is restricted'):
            guarded.request(resource_request(PODS, namespace="kube-system", name="coredns"))
        with self.assertRaises(PolicyDenied):
            guarded.request(resource_request(NAMESPACES, name="payments"))
        with self.assertRaises(PolicyDenied):
            guarded.text(resource_request(PODS, namespace="payments", name="db", subresource="log"))
        self.assertEqual(client.sent, [])

    def test_it_refuses_creating_a_restricted_namespace(self) -> None:
        guarded, client = guard(replace(RESTRICTED, non_destructive=False), "create")
        with self.assertRaises(PolicyDenied):
            guarded.request(resource_request(NAMESPACES, method="POST", body={"metadata": {"name": "payments"}}))
        self.assertEqual(client.sent, [])

    def test_it_filters_restricted_namespaces_out_of_wide_lists(self) -> None:
        pods = {
            "kind": "PodList",
            "items": [
                {"metadata": {"name": "a", "namespace": "default"}},
                {"metadata": {"name": "b", "namespace": "kube-system"}},
            ],
        }
        guarded, _ = guard(RESTRICTED, "list", pods)
        result = guarded.request(resource_request(PODS))
        self.assertEqual([item["metadata"]["name"] for item in result["items"]], ["a"])
        namespaces = {
            "kind": "NamespaceList",
            "items": [{"metadata": {"name": "default"}}, {"metadata": {"name": "kube-system"}}],
        }
        guarded, _ = guard(RESTRICTED, "list", namespaces)
        self.assertEqual(
            [item["metadata"]["name"] for item in guarded.request(resource_request(NAMESPACES))["items"]], ["default"]
        )

    def test_a_read_operation_can_never_write(self) -> None:
        guarded, client = guard(Policy(non_destructive=False), "get")
        with self.assertRaisesRegex(PolicyDenied, "only reads"):
            guarded.request(resource_request(PODS, method="DELETE", namespace="default", name="x"))
        self.assertEqual(client.sent, [])

    def test_non_destructive_mode_refuses_writes(self) -> None:
        guarded, client = guard(Policy(non_destructive=True), "delete")
        with self.assertRaises(PolicyDenied):
            guarded.request(resource_request(PODS, method="DELETE", namespace="default", name="x"))
        self.assertEqual(client.sent, [])

    def test_dry_run_adds_dry_run_all_to_writes_only_and_it_reaches_the_url(self) -> None:
        guarded, client = guard(Policy(non_destructive=True, dry_run=True), "patch")
        web = resource_request(DEPLOYMENTS, namespace="default", name="web")
        guarded.request(replace(web, method="PATCH").with_query(("fieldManager", "kubemcp")))
        guarded.request(web)
        (patch, patch_url), (get, get_url) = client.sent
        self.assertEqual(patch.query, (("fieldManager", "kubemcp"), ("dryRun", "All")))
        self.assertTrue(patch_url.endswith("/deployments/web?fieldManager=kubemcp&dryRun=All"), patch_url)
        self.assertEqual(get.query, ())
        self.assertNotIn("dryRun", get_url)

    def test_a_callers_dry_run_value_is_replaced_by_all(self) -> None:
        guarded, client = guard(Policy(non_destructive=True, dry_run=True), "scale")
        request = resource_request(
            DEPLOYMENTS, method="PATCH", namespace="default", name="web", subresource="scale", query={"dryRun": "None"}
        )
        guarded.request(request)
        self.assertEqual(client.sent[0][0].query, (("dryRun", "All"),))

    def test_exec_counts_as_a_write_even_on_get_and_is_refused_in_dry_run_only_mode(self) -> None:
        guarded, client = guard(Policy(non_destructive=True, dry_run=True), "exec")
        with self.assertRaises(PolicyDenied):
            guarded.check(resource_request(PODS, namespace="default", name="web", subresource="exec"))
        with self.assertRaises(PolicyDenied):
            guarded.connect(resource_request(PODS, namespace="default", name="web", subresource="portforward"))
        self.assertEqual(client.sent, [])

    def test_an_operation_that_must_dry_run_cannot_open_a_container(self) -> None:
        guarded, _ = guard(Policy(non_destructive=True, dry_run=True), "patch")
        with self.assertRaisesRegex(PolicyDenied, "cannot be sent as a dry run"):
            guarded.check(resource_request(PODS, namespace="default", name="web", subresource="attach"))

    def test_access_reviews_are_questions_not_writes(self) -> None:
        guarded, client = guard(Policy(non_destructive=True), "can-i")
        guarded.request(resource_request(REVIEWS, method="POST", body={}))
        self.assertEqual(len(client.sent), 1)

    def test_a_review_named_like_one_in_another_group_is_a_write(self) -> None:
        guarded, client = guard(Policy(non_destructive=True), "can-i")
        with self.assertRaises(PolicyDenied):
            guarded.request(resource_request(FixedKind("evil.io", "v1", "tokenreviews"), method="POST", body={}))
        self.assertEqual(client.sent, [])

    def test_only_node_logs_and_stats_go_through_the_proxy(self) -> None:
        guarded, client = guard(Policy(non_destructive=False), "logs")
        guarded.text(node_proxy_request("worker-1", "logs", "syslog"))
        guarded.request(node_proxy_request("worker-1", "stats", "summary"))
        for refused in (
            node_proxy_request("worker-1", "exec", "default", "web", "app"),
            node_proxy_request("worker-1", "run", "default", "web", "app"),
            node_proxy_request("worker-1", directory=True),
            resource_request(PODS, namespace="default", name="web", subresource="proxy", subpath=("logs",)),
            replace(node_proxy_request("worker-1", "logs", "syslog"), method="POST"),
        ):
            with self.subTest(path=refused.path), self.assertRaisesRegex(PolicyDenied, "does not proxy"):
                guarded.request(refused)
        self.assertEqual(len(client.sent), 2)

    def test_requests_outside_the_resource_tree_may_only_read(self) -> None:
        guarded, client = guard(Policy(non_destructive=False), "create")
        with self.assertRaises(PolicyDenied):
            guarded.request(replace(nonresource("version"), method="POST"))
        guarded.request(nonresource("version"))
        self.assertEqual(len(client.sent), 1)


class FinalUrlTests(unittest.TestCase):
    catalog = resource_request(PODS, namespace="catalog", name="web", subresource="log")

    def test_the_url_the_client_builds_passes(self) -> None:
        guarded, client = guard(RESTRICTED, "logs")
        guarded.text(self.catalog.with_query(("container", "app"), ("tailLines", 10)))
        self.assertEqual(client.sent[0][1], f"{HOST}/api/v1/namespaces/catalog/pods/web/log?container=app&tailLines=10")

    def test_a_host_with_a_path_prefix_is_allowed_for(self) -> None:
        guarded, client = guard(RESTRICTED, "logs", host="https://proxy.example/k8s/clusters/c-1")
        guarded.text(self.catalog)
        self.assertEqual(len(client.sent), 1)

    def test_it_refuses_a_url_whose_dot_segments_urllib3_would_resolve_into_another_namespace(self) -> None:
        url = f"{HOST}/api/v1/namespaces/catalog/pods/web/log/../../../../payments/secrets/db"
        with self.assertRaises(RequestMismatch):
            verify_final_url(url, self.catalog, host=HOST, dry_run_write=False)

    def test_it_refuses_a_url_that_differs_from_the_value(self) -> None:
        for url in (
            f"{HOST}/api/v1/namespaces/payments/pods/web/log",
            f"{HOST}/api/v1/namespaces/catalog/pods/web%2Flog",
            f"{HOST}/api/v1/namespaces/catalog/pods/web/log?container=x",
            f"{HOST}/api/v1/namespaces/catalog/pods/web/log#x",
            f"{HOST}/api/v1/namespaces/catalog/pods//log",
            "http://127.0.0.1:2/api/v1/namespaces/catalog/pods/web/log",
            f"{HOST}/other/api/v1/namespaces/catalog/pods/web/log",
        ):
            with self.subTest(url=url), self.assertRaises(RequestMismatch):
                verify_final_url(url, self.catalog, host=HOST, dry_run_write=False)

    def test_it_refuses_a_dry_run_write_whose_url_lost_dry_run_all(self) -> None:
        patch = resource_request(DEPLOYMENTS, method="PATCH", namespace="web", name="api", query={"fieldManager": "k"})
        with self.assertRaisesRegex(RequestMismatch, "dryRun=All"):
            verify_final_url(f"{HOST}{patch.path}?fieldManager=k", patch, host=HOST, dry_run_write=True)
        sent = patch.with_query(("dryRun", "All"))
        verify_final_url(f"{HOST}{sent.path}?fieldManager=k&dryRun=All", sent, host=HOST, dry_run_write=True)

    def test_a_request_value_forged_past_validation_is_still_refused(self) -> None:
        # Built without the constructors: a name with a slash and a query. The encoded path keeps it one segment,
        # and the guard's namespace decision is on the value, so nothing reaches another namespace.
        forged = ApiRequest(version="v1", resource="pods", namespace="catalog", name="../../payments/secrets/x?")
        guarded, client = guard(RESTRICTED, "get")
        with self.assertRaises(RequestMismatch):
            guarded.request(forged)
        self.assertEqual(client.sent, [])


class CompletionRequestTests(unittest.TestCase):
    """Argument completion builds its list request through the model too; a hostile namespace gets nothing."""

    def completer(self) -> tuple[GuardedClient, RecordingClient]:
        guarded, client = guard(RESTRICTED, "list", {"kind": "PodList", "items": [{"metadata": {"name": "web"}}]})
        client.resource_types = lambda refresh=False: [  # type: ignore[attr-defined]
            ResourceType("", "v1", "pods", "Pod", True, frozenset({"list"}), "pod", ("po",))
        ]
        return guarded, client

    def test_it_offers_nothing_for_a_namespace_that_walks_out_of_itself(self) -> None:
        guarded, client = self.completer()
        for namespace in ("catalog/../payments", "catalog%2F..%2Fpayments", "payments", "catalog?x=1"):
            with self.subTest(namespace=namespace):
                arguments = {"resourceType": "pods", "namespace": namespace}
                self.assertEqual(object_names(guarded, RESTRICTED, arguments, "default"), [])
        self.assertEqual(client.sent, [])

    def test_it_lists_names_in_a_valid_namespace(self) -> None:
        guarded, client = self.completer()
        self.assertEqual(
            object_names(guarded, RESTRICTED, {"resourceType": "po", "namespace": "catalog"}, "x"), ["web"]
        )
        self.assertTrue(client.sent[0][1].startswith(f"{HOST}/api/v1/namespaces/catalog/pods?limit="))
