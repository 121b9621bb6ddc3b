"""DOWNSTREAM_AUTH=impersonate: the server's own credentials with Impersonate-* headers naming the person, so the
cluster's RBAC decides for them; checked on the fake API server's own record of who each request acted as."""

from __future__ import annotations

from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from k8stools.models import AuditRecord
from oauthgw.models import UpstreamToken
from tests.live import run
from tests.oauth.base import OAuthLiveTestCase

SERVER = "system:serviceaccount:kubemcp:kubemcp"
SERVER_TOKEN = "kubemcp-server-token"


class ImpersonationTest(OAuthLiveTestCase):
    oauth_env = {"DOWNSTREAM_AUTH": "impersonate"}
    kube_token = SERVER_TOKEN

    def setUp(self) -> None:
        self.fake.require_auth({SERVER_TOKEN: SERVER})
        self.fake.auth.revoke_all()
        # The opt-in ClusterRole of deploy/kubernetes: impersonate users, groups and the agent extra.
        self.fake.grant(SERVER, ["impersonate"], ["users", "groups", "userextras/agent"])
        self.fake.clear_requests()
        self.tokens = self.login_and_get_tokens(login="grace")

    def call(self, tool: str, *, mode: str = "legacy", **arguments: Any) -> tuple[bool, str]:
        async def go() -> Any:
            headers = {"Authorization": f"Bearer {self.tokens['access_token']}"}
            http = httpx2.AsyncClient(headers=headers, timeout=30)
            transport = streamable_http_client(self.server.mcp_url, http_client=http)
            async with http, Client(transport, mode=mode) as client:  # type: ignore[arg-type]
                return await client.call_tool(tool, arguments)

        result = run(go())
        return bool(result.is_error), "".join(getattr(block, "text", "") for block in result.content)

    def assert_reached_as_grace(self) -> None:
        reached = self.fake.requests
        self.assertTrue(reached)
        self.assertEqual({(entry.identity, entry.impersonator) for entry in reached}, {("grace@example.com", SERVER)})

    def test_a_person_without_rights_is_refused_by_the_clusters_rbac_in_both_eras(self) -> None:
        for mode in ("legacy", "auto"):
            with self.subTest(mode=mode):
                self.fake.clear_requests()
                is_error, text = self.call("list", mode=mode, resourceType="pods", namespace="default")
                self.assertTrue(is_error, text)
                self.assertIn("forbidden", text.lower())
                self.assertIn("grace@example.com", text)
                self.assert_reached_as_grace()
                self.assertEqual(self.fake.mutations(), [])

    def test_a_person_with_rights_gets_the_answer_in_both_eras(self) -> None:
        self.fake.grant("grace@example.com", ["get", "list"], ["pods"], ["default"])
        for mode in ("legacy", "auto"):
            with self.subTest(mode=mode):
                self.fake.clear_requests()
                is_error, text = self.call("list", mode=mode, resourceType="pods", namespace="default")
                self.assertFalse(is_error, text)
                self.assert_reached_as_grace()

    def test_the_persons_groups_from_the_id_token_carry_their_rights(self) -> None:
        self.fake.grant("developers", ["get", "list"], ["configmaps"], ["default"])
        is_error, text = self.call("list", resourceType="configmaps", namespace="default")
        self.assertFalse(is_error, text)
        self.assert_reached_as_grace()

    def test_can_i_answers_for_the_person(self) -> None:
        self.fake.grant("grace@example.com", ["list"], ["pods"], ["default"])
        is_error, text = self.call("can_i", verb="list", resource="pods", namespace="default")
        self.assertFalse(is_error, text)
        self.assertIn("yes", text.lower())
        is_error, text = self.call("can_i", verb="delete", resource="pods", namespace="default")
        self.assertFalse(is_error, text)
        self.assertIn("no", text.lower())
        self.assert_reached_as_grace()

    def test_the_audit_record_names_the_person_and_the_identity_used(self) -> None:
        self.call("list", resourceType="pods", namespace="default")
        record = AuditRecord.objects.filter(tool="list").latest("created")
        self.assertEqual(record.user, "grace@example.com")
        self.assertEqual(record.identity, "impersonated grace@example.com (groups: developers)")
        self.assertEqual(record.outcome, "error")  # the cluster refused her

    def test_it_fails_closed_without_an_upstream_identity(self) -> None:
        UpstreamToken.objects.filter(user__username="grace@example.com").delete()
        is_error, text = self.call("list", resourceType="pods", namespace="default")
        self.assertTrue(is_error)
        self.assertIn("authentication required", text)
        self.assertEqual(self.fake.requests, [])
