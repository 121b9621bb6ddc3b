"""Bearer tokens, recorded identities, RBAC refusals in the real wording, and SelfSubjectAccessReview."""

from __future__ import annotations

import json

from kubernetes import client

from fakekube import FakeCluster, RunningServer

from .base import FakeClusterTestCase


def access_review(
    api: client.ApiClient, verb: str, resource: str, namespace: str = "default", group: str = ""
) -> client.V1SelfSubjectAccessReviewStatus:
    review = client.AuthorizationV1Api(api).create_self_subject_access_review(
        client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(
                resource_attributes=client.V1ResourceAttributes(
                    verb=verb, resource=resource, namespace=namespace, group=group
                )
            )
        )
    )
    return review.status


class AuthenticationTests(FakeClusterTestCase):
    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = FakeCluster()
        cluster.require_auth(
            {"alice-token": "alice", "bob-token": "bob", "admin-token": "admin"}, groups={"bob": ["viewers"]}
        )
        cluster.grant("alice", verbs=["get", "list", "watch"], resources=["pods", "pods/log"], namespaces=["default"])
        cluster.grant("viewers", verbs=["list"], resources=["deployments"], groups=["apps"])
        return cluster

    def setUp(self) -> None:
        self.cluster.clear_requests()

    def test_a_request_without_a_token_is_anonymous_and_forbidden(self) -> None:
        with self.assertApiError(403, "Forbidden") as error:
            client.CoreV1Api(self.client_for(None)).list_namespaced_pod("default")
        self.assertEqual(
            error.body["message"],
            'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" '
            'in the namespace "default"',
        )
        self.assertEqual(self.cluster.requests[-1].identity, "system:anonymous")

    def test_an_unknown_token_is_unauthorized(self) -> None:
        with self.assertApiError(401, "Unauthorized") as error:
            client.CoreV1Api(self.client_for("wrong")).list_namespaced_pod("default")
        self.assertEqual(error.body["message"], "Unauthorized")

    def test_it_records_who_made_each_request(self) -> None:
        client.CoreV1Api(self.client_for("alice-token")).list_namespaced_pod("default")
        client.CoreV1Api(self.client_for("admin-token")).list_namespace()
        identities = [(r.identity, r.verb, r.resource) for r in self.cluster.requests]
        self.assertEqual(identities, [("alice", "list", "pods"), ("admin", "list", "namespaces")])

    def test_rbac_refuses_what_was_not_granted_in_the_real_wording(self) -> None:
        alice = client.CoreV1Api(self.client_for("alice-token"))
        alice.list_namespaced_pod("default")
        with self.assertApiError(403, "Forbidden") as error:
            alice.list_namespaced_pod("kube-system")
        self.assertEqual(
            error.body["message"],
            'pods is forbidden: User "alice" cannot list resource "pods" in API '
            'group "" in the namespace "kube-system"',
        )
        self.assertEqual(error.body["details"], {"kind": "pods"})
        with self.assertApiError(403) as error:
            alice.delete_namespaced_pod("web", "default")
        self.assertEqual(
            error.body["message"],
            'pods "web" is forbidden: User "alice" cannot delete resource "pods" '
            'in API group "" in the namespace "default"',
        )
        with self.assertApiError(403) as error:
            alice.list_node()
        self.assertIn('cannot list resource "nodes" in API group "" at the cluster scope', error.body["message"])

    def test_grants_to_a_group_apply_to_its_members(self) -> None:
        bob = client.AppsV1Api(self.client_for("bob-token"))
        bob.list_deployment_for_all_namespaces()
        with self.assertApiError(403) as error:
            bob.list_namespaced_stateful_set("default")
        self.assertIn('cannot list resource "statefulsets" in API group "apps"', error.body["message"])
        self.assertTrue(error.body["message"].startswith("statefulsets.apps is forbidden"))

    def test_a_user_without_grants_is_an_administrator(self) -> None:
        admin = self.client_for("admin-token")
        client.CoreV1Api(admin).list_node()
        self.assertTrue(access_review(admin, "delete", "nodes", namespace="").allowed)

    def test_self_subject_access_review_answers_from_the_grants(self) -> None:
        alice = self.client_for("alice-token")
        allowed = access_review(alice, "get", "pods")
        self.assertTrue(allowed.allowed)
        self.assertIn("RBAC: allowed", allowed.reason)
        self.assertFalse(access_review(alice, "delete", "pods").allowed)
        self.assertFalse(access_review(alice, "get", "pods", namespace="kube-system").allowed)
        self.assertFalse(access_review(alice, "create", "deployments", group="apps").allowed)

    def test_a_service_account_token_authenticates_as_the_service_account(self) -> None:
        admin = client.CoreV1Api(self.client_for("admin-token"))
        admin.create_namespaced_service_account("default", {"metadata": {"name": "bot"}})
        issued = admin.create_namespaced_service_account_token(
            "bot",
            "default",
            client.AuthenticationV1TokenRequest(
                spec=client.V1TokenRequestSpec(audiences=["api"], expiration_seconds=600)
            ),
        )
        self.assertEqual(issued.spec.expiration_seconds, 600)
        self.assertEqual(issued.status.token.count("."), 2)
        bot = self.client_for(issued.status.token)
        review = client.AuthenticationV1Api(bot).create_self_subject_review(client.V1SelfSubjectReview())
        self.assertEqual(review.status.user_info.username, "system:serviceaccount:default:bot")
        self.assertIn("system:serviceaccounts:default", review.status.user_info.groups)
        self.assertEqual(self.cluster.requests[-1].identity, "system:serviceaccount:default:bot")

    def test_discovery_is_open_to_every_authenticated_user(self) -> None:
        versions = client.CoreApi(self.client_for("alice-token")).get_api_versions()
        self.assertEqual(versions.versions, ["v1"])


class AnonymousRecordingTests(FakeClusterTestCase):
    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = FakeCluster()
        cluster.auth.tokens = {"known": "carol"}
        return cluster

    def test_without_required_auth_known_tokens_are_still_identified(self) -> None:
        self.cluster.clear_requests()
        client.CoreV1Api(self.client_for("known")).list_namespace()
        client.CoreV1Api(self.client_for(None)).list_namespace()
        self.assertEqual([r.identity for r in self.cluster.requests], ["carol", None])
        recorded = self.cluster.requests[0]
        self.assertEqual(
            (recorded.method, recorded.path, recorded.status, recorded.group), ("GET", "/api/v1/namespaces", 200, "")
        )
        self.assertIn("OpenAPI-Generator", recorded.user_agent)
        json.dumps(recorded.query)


class KubectlOverTlsTests(FakeClusterTestCase):
    """kubectl sends bearer tokens only over TLS, so this class serves HTTPS with a throwaway CA."""

    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = FakeCluster()
        cluster.require_auth({"alice-token": "alice"})
        cluster.grant("alice", verbs=["list"], resources=["pods"], namespaces=["default"])
        return cluster

    @classmethod
    def serve(cls, cluster: FakeCluster) -> RunningServer:
        return cluster.serve(tls=True)

    def test_kubectl_authenticates_and_is_refused_in_the_real_wording(self) -> None:
        self.running.write_kubeconfig(self.kubeconfig, token="alice-token")
        self.assertTrue(self.running.url.startswith("https://"))
        self.kubectl("get", "pods")
        self.assertIn("alice", self.kubectl("auth", "whoami").stdout)
        refused = self.kubectl("get", "pods", "-n", "kube-system", check=False)
        self.assertEqual(refused.returncode, 1)
        self.assertIn(
            'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in '
            'API group "" in the namespace "kube-system"',
            refused.stderr,
        )
        self.assertEqual({r.identity for r in self.cluster.requests if r.resource == "pods"}, {"alice"})

    def test_the_python_client_trusts_the_ca_from_the_kubeconfig(self) -> None:
        pods = client.CoreV1Api(self.client_for("alice-token")).list_namespaced_pod("default")
        self.assertEqual(pods.items, [])


class ResettingAuthTests(FakeClusterTestCase):
    def test_grants_and_required_auth_can_be_lifted_between_tests(self) -> None:
        self.cluster.require_auth({"dave-token": "dave"})
        self.cluster.grant("dave", verbs=["get"], resources=["configmaps"])
        dave = client.CoreV1Api(self.client_for("dave-token"))
        with self.assertApiError(403):
            dave.list_namespace()
        self.cluster.auth.revoke_all()
        self.assertTrue(dave.list_namespace().items)
        with self.assertApiError(403):
            client.CoreV1Api(self.client_for(None)).list_namespace()
        self.cluster.auth.disable()
        self.assertTrue(client.CoreV1Api(self.client_for(None)).list_namespace().items)


class ImpersonationTests(FakeClusterTestCase):
    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = FakeCluster()
        cluster.require_auth({"alice-token": "alice", "carol-token": "carol"})
        cluster.grant("alice", verbs=["impersonate"], resources=["users", "groups"])
        cluster.grant("carol", verbs=["list"], resources=["pods"])
        cluster.grant("bob", verbs=["list"], resources=["pods"], namespaces=["default"])
        cluster.grant("auditors", verbs=["list"], resources=["configmaps"])
        return cluster

    def setUp(self) -> None:
        self.cluster.clear_requests()

    def acting_as(self, token: str, user: str, **headers: str) -> client.CoreV1Api:
        api = self.client_for(token)
        api.set_default_header("Impersonate-User", user)
        for name, value in headers.items():
            api.set_default_header(name, value)
        return client.CoreV1Api(api)

    def test_rbac_decides_for_the_impersonated_user_and_the_record_names_both(self) -> None:
        as_bob = self.acting_as("alice-token", "bob")
        as_bob.list_namespaced_pod("default")
        with self.assertApiError(403) as error:
            as_bob.list_namespaced_pod("kube-system")
        self.assertIn('User "bob" cannot list resource "pods"', error.body["message"])
        recorded = self.cluster.requests[0]
        self.assertEqual((recorded.identity, recorded.impersonator), ("bob", "alice"))

    def test_impersonated_groups_bring_their_grants(self) -> None:
        as_auditor = self.acting_as("alice-token", "eve", **{"Impersonate-Group": "auditors"})
        self.assertIsNotNone(as_auditor.list_namespaced_config_map("default").items)
        with self.assertApiError(403):
            as_auditor.list_namespaced_pod("default")

    def test_it_refuses_impersonation_that_was_not_granted(self) -> None:
        with self.assertApiError(403, "Forbidden") as error:
            self.acting_as("carol-token", "bob").list_namespaced_pod("default")
        self.assertEqual(
            error.body["message"],
            'users "bob" is forbidden: User "carol" cannot impersonate resource "users" in API group "" '
            "at the cluster scope",
        )
        self.assertEqual(self.cluster.requests[-1].identity, "carol")

    def test_it_refuses_impersonating_groups_without_a_user(self) -> None:
        api = self.client_for("alice-token")
        api.set_default_header("Impersonate-Group", "auditors")
        with self.assertApiError(400, "BadRequest"):
            client.CoreV1Api(api).list_namespaced_pod("default")

    def test_whoami_answers_for_the_impersonated_identity(self) -> None:
        api = self.client_for("alice-token")
        api.set_default_header("Impersonate-User", "bob")
        review = client.AuthenticationV1Api(api).create_self_subject_review(client.V1SelfSubjectReview())
        self.assertEqual(
            (review.status.user_info.username, review.status.user_info.groups), ("bob", ["system:authenticated"])
        )
