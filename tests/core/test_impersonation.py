"""Impersonation in-process: the person named by the ID token's claims (hostile claims refused), and the
impersonating client against the fake API server, which decides RBAC for the impersonated identity."""

from __future__ import annotations

import contextlib
import tempfile
import unittest
from pathlib import Path

from fakekube.cluster import FakeCluster
from k8stools.apirequest import NAMESPACES, PODS, ApiRequest, resource_request
from k8stools.guard import PodConnection
from k8stools.identity import Caller, IdentityError, Impersonation, impersonation_from_claims
from k8stools.kube import KubeClientFactory, KubeError
from k8stools.kube_streams import exec_in_pod, exec_request
from k8stools.portforward.streams import open_pod_port

SERVER = "system:serviceaccount:kubemcp:kubemcp"
CLAIMS = {"sub": "u1", "email": "ivy@example.com", "groups": ["dev", "ops"]}


def person(claims: dict[str, object], **options: str) -> Impersonation:
    return impersonation_from_claims(
        claims,
        user_claim=options.get("user_claim", "email"),
        groups_claim=options.get("groups_claim", "groups"),
        groups_prefix=options.get("prefix", ""),
    )


class ImpersonationFromClaimsTests(unittest.TestCase):
    def test_it_names_the_user_and_groups_from_the_configured_claims(self) -> None:
        self.assertEqual(person(CLAIMS), Impersonation("ivy@example.com", ("dev", "ops")))
        self.assertEqual(person(CLAIMS, user_claim="sub", prefix="oidc:").groups, ("oidc:dev", "oidc:ops"))
        self.assertEqual(person({"email": "ivy@example.com"}).groups, ())

    def test_it_sends_one_group_header_per_group_and_names_the_agent(self) -> None:
        self.assertEqual(
            person(CLAIMS).headers(),
            [
                ("Impersonate-User", "ivy@example.com"),
                ("Impersonate-Group", "dev"),
                ("Impersonate-Group", "ops"),
                ("Impersonate-Extra-agent", "kubemcp"),
            ],
        )

    def test_it_refuses_a_missing_or_hostile_claim_rather_than_guess(self) -> None:
        hostile: list[dict[str, object]] = [
            {"sub": "u1"},
            {"email": ""},
            {"email": ["ivy@example.com"]},
            {"email": "ivy@example.com\r\nImpersonate-Group: system:masters"},
            {"email": "ivy\x00@example.com"},
            {"email": "system:kube-controller-manager"},
            {"email": "system:serviceaccount:kube-system:default"},
            {"email": "ívy@example.com"},
            {"email": "x" * 300},
            {"email": "ivy@example.com", "groups": "dev"},
            {"email": "ivy@example.com", "groups": [1]},
            {"email": "ivy@example.com", "groups": ["system:masters"]},
            {"email": "ivy@example.com", "groups": ["dev\nops"]},
            {"email": "ivy@example.com", "groups": ["g"] * 101},
        ]
        for claims in hostile:
            with self.subTest(claims=str(claims)[:60]), self.assertRaises(IdentityError):
                person(claims)

    def test_the_caller_names_the_identity_kubernetes_sees(self) -> None:
        self.assertEqual(Caller().kube_identity, "server credentials")
        impersonating = Caller(downstream="impersonate", requires_own_credentials=True, impersonation=person(CLAIMS))
        self.assertEqual(impersonating.kube_identity, "impersonated ivy@example.com (groups: dev, ops)")
        self.assertEqual(Caller(downstream="impersonate").kube_identity, "none (refused)")
        self.assertEqual(Caller(requires_own_credentials=True, id_token="t").kube_identity, "own ID token")


class ImpersonatingClientTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.stack = contextlib.ExitStack()
        cls.fake = FakeCluster()
        cls.fake.seed(pods=2, namespaces=1)
        running = cls.stack.enter_context(cls.fake.serve())
        directory = cls.stack.enter_context(tempfile.TemporaryDirectory())
        kubeconfig = str(Path(directory) / "kubeconfig")
        running.write_kubeconfig(kubeconfig, token="server-token")
        cls.factory = KubeClientFactory(kubeconfig=kubeconfig)
        cls.stack.callback(cls.factory.close)
        cls.pod = cls.fake.list_objects("pods")[0]["metadata"]

    @classmethod
    def tearDownClass(cls) -> None:
        cls.stack.close()

    def setUp(self) -> None:
        self.fake.require_auth({"server-token": SERVER})
        self.fake.auth.revoke_all()
        self.fake.grant(SERVER, ["impersonate"], ["users", "groups", "userextras/agent"])
        self.fake.clear_requests()

    def exec_request(self) -> ApiRequest:
        return exec_request(
            self.pod["namespace"], self.pod["name"], container=None, command=["id"], tty=False, stdin=False
        )

    def portforward_request(self) -> ApiRequest:
        return resource_request(PODS, namespace=self.pod["namespace"], name=self.pod["name"], subresource="portforward")

    def client_for(self, impersonation: Impersonation):  # type: ignore[no-untyped-def]
        return self.factory.for_impersonation(tuple(impersonation.headers()))

    def test_each_group_reaches_the_api_server_as_a_group_of_its_own(self) -> None:
        self.fake.grant("ops", ["list"], ["pods"])
        pods = self.client_for(Impersonation("ivy@example.com", ("dev", "ops"))).request(resource_request(PODS))
        self.assertTrue(pods["items"])
        with self.assertRaises(KubeError) as refused:
            self.client_for(Impersonation("ivy@example.com", ("dev,ops",))).request(resource_request(PODS))
        self.assertEqual(refused.exception.status, 403)
        self.assertEqual({(e.identity, e.impersonator) for e in self.fake.requests}, {("ivy@example.com", SERVER)})

    def test_without_the_impersonate_grant_the_server_gets_nothing(self) -> None:
        self.fake.auth.revoke_all()
        self.fake.grant(SERVER, ["get", "list", "watch", "create", "update", "patch", "delete"], ["*"])
        with self.assertRaises(KubeError) as refused:
            self.client_for(Impersonation("ivy@example.com")).request(resource_request(PODS))
        self.assertEqual(refused.exception.status, 403)
        self.assertIn("cannot impersonate", refused.exception.message)

    def test_clients_are_cached_per_context_and_person_with_a_bound(self) -> None:
        factory = KubeClientFactory(kubeconfig=self.factory.kubeconfig, impersonation_cache_size=2)
        self.addCleanup(factory.close)
        ivy = tuple(Impersonation("ivy@example.com").headers())
        self.assertIs(factory.for_impersonation(ivy), factory.for_impersonation(ivy))
        self.assertIsNot(
            factory.for_impersonation(ivy), factory.for_impersonation(tuple(Impersonation("bo").headers()))
        )
        for name in ("a", "b", "c"):
            factory.for_impersonation(tuple(Impersonation(name).headers()))
        self.assertEqual(len(factory._impersonating_clients.entries), 2)
        # Evicting a person's client leaves the server's shared connection pool usable.
        self.fake.grant(SERVER, ["list"], ["namespaces"])
        self.assertTrue(factory.for_context().request(resource_request(NAMESPACES))["items"])

    def test_exec_and_port_forward_are_refused_since_their_streams_cannot_carry_the_headers(self) -> None:
        self.fake.grant("ivy@example.com", ["*"], ["*"])
        client = self.client_for(Impersonation("ivy@example.com"))
        with self.assertRaises(KubeError) as refused:
            exec_in_pod(client, self.exec_request(), timeout_seconds=5, max_output_bytes=1000)
        self.assertIn("impersonat", refused.exception.message)
        with self.assertRaises(KubeError):
            open_pod_port(PodConnection(client, self.portforward_request()), port=80)
        self.assertEqual(self.fake.requests, [])
