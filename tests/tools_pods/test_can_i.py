"""can_i through the real MCP client, as two identities the fake cluster's RBAC treats differently."""

from __future__ import annotations

from typing import ClassVar

from tests.live import LiveServerTestCase


class CanITests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {}
    # Two kubeconfig contexts on the same cluster: alice may read pods in shop, bob may only read configmaps.
    # (name, token) pairs are what the kubeconfig writer takes for contexts of other users.
    extra_contexts = (("alice", "alice-token"), ("bob", "bob-token"))  # type: ignore[assignment]
    server_env: ClassVar[dict[str, str]] = {"RESTRICTED_NAMESPACES": "vault"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake.require_auth({"alice-token": "alice", "bob-token": "bob"})
        cls.fake.grant("alice", ["get", "list"], ["pods", "pods/log"], namespaces=["shop"])
        cls.fake.grant("alice", ["get", "list"], ["deployments"], groups=["apps"])
        cls.fake.grant("bob", ["get"], ["configmaps"], namespaces=["shop"])

    def test_an_allowed_action_is_yes_with_the_rbac_reason(self) -> None:
        text = self.text("can_i", verb="list", resource="pods", namespace="shop", context="alice")
        self.assertEqual(
            text,
            'yes — list pods in namespace shop (RBAC: allowed by RoleBinding "alice/shop" of Role "alice" to User "alice")',
        )

    def test_the_same_question_is_no_for_another_identity(self) -> None:
        text = self.text("can_i", verb="list", resource="pods", namespace="shop", context="bob")
        self.assertEqual(text, "no — list pods in namespace shop (no RBAC rule allows it)")

    def test_a_verb_outside_the_grant_is_no(self) -> None:
        self.assertTrue(
            self.text("can_i", verb="delete", resource="pods", namespace="shop", context="alice").startswith("no")
        )

    def test_the_review_is_sent_as_the_caller(self) -> None:
        self.fake.clear_requests()
        self.text("can_i", verb="get", resource="configmaps", namespace="shop", context="bob")
        reviews = [r for r in self.fake.requests if r.resource == "selfsubjectaccessreviews"]
        self.assertEqual([(r.method, r.identity) for r in reviews], [("POST", "bob")])

    def test_short_names_resolve_to_the_served_type_and_group(self) -> None:
        text = self.text("can_i", verb="get", resource="deploy", namespace="shop", context="alice")
        self.assertTrue(text.startswith("yes — get deployments.apps in namespace shop"), text)

    def test_a_subresource_is_asked_about(self) -> None:
        text = self.text("can_i", verb="get", resource="pods/log", namespace="shop", context="alice")
        self.assertTrue(text.startswith("yes — get pods/log in namespace shop"), text)
        text = self.text("can_i", verb="create", resource="pods", subresource="exec", namespace="shop", context="alice")
        self.assertTrue(text.startswith("no — create pods/exec in namespace shop"), text)

    def test_cluster_scoped_types_ignore_the_namespace_and_say_so(self) -> None:
        text = self.text("can_i", verb="list", resource="nodes", namespace="shop", context="alice")
        self.assertIn("no — list nodes (cluster-wide)", text)
        self.assertIn("nodes are cluster-scoped; namespace 'shop' was ignored", text)

    def test_a_non_resource_url_is_asked_about(self) -> None:
        self.assertTrue(
            self.text("can_i", verb="get", resource="/healthz", context="bob").startswith("yes — get /healthz")
        )

    def test_an_unknown_type_is_asked_about_as_given_with_a_note(self) -> None:
        text = self.text("can_i", verb="get", resource="widgets", namespace="shop", context="alice")
        self.assertIn("no — get widgets in namespace shop", text)
        self.assertIn("'widgets' is not a resource type this cluster serves", text)

    def test_a_restricted_namespace_is_noted_because_tools_refuse_it_anyway(self) -> None:
        text = self.text("can_i", verb="get", resource="pods", namespace="vault", context="alice")
        self.assertIn("policy restricts namespace vault", text)

    def test_an_empty_verb_is_refused(self) -> None:
        self.assertIn("verb is empty", self.error("can_i", verb=" ", resource="pods", context="alice"))
