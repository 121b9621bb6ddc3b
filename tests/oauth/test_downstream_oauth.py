"""Downstream OAuth: each tool call reaches Kubernetes with the user's own upstream ID token, or not at all."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx2
import jwt
from django.utils import timezone
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from oauthgw.crypto import TokenCipher, parse_key
from oauthgw.models import UpstreamToken
from tests.live import run
from tests.oauth.base import OAuthLiveTestCase


class DownstreamOAuthTest(OAuthLiveTestCase):
    oauth_env = {"DOWNSTREAM_OAUTH": "true"}

    def setUp(self) -> None:
        self.fake.auth.disable()
        self.fake.clear_requests()
        self.tokens = self.login_and_get_tokens(login="grace")
        self.user_row = UpstreamToken.objects.get(user__username="grace@example.com")

    def stored_id_token(self) -> str:
        row = UpstreamToken.objects.get(pk=self.user_row.pk)
        cipher = TokenCipher(parse_key(self.encryption_key))
        return cipher.open(row.id_token, owner=f"user:{row.user_id}", purpose="id_token")

    def call(self, tool: str, **arguments: Any) -> tuple[bool, str]:
        async def go() -> Any:
            headers = {"Authorization": f"Bearer {self.tokens['access_token']}"}
            http = httpx2.AsyncClient(headers=headers, timeout=30)
            transport = streamable_http_client(self.server.mcp_url, http_client=http)
            async with http, Client(transport, mode="legacy") as client:
                return await client.call_tool(tool, arguments)

        result = run(go())
        return result.is_error, "".join(getattr(block, "text", "") for block in result.content)

    def test_the_cluster_sees_the_users_own_id_token(self) -> None:
        id_token = self.stored_id_token()
        claims = jwt.decode(id_token, options={"verify_signature": False})
        self.assertEqual(claims["iss"], self.provider.issuer)
        self.assertEqual(claims["email"], "grace@example.com")
        # The fake API server now knows exactly one credential: Grace's ID token.
        self.fake.require_auth({id_token: "grace@example.com"})
        is_error, text = self.call("list", resourceType="pods", namespace="default")
        self.assertFalse(is_error, text)
        reached = self.fake.requests
        self.assertTrue(reached)
        self.assertEqual({entry.identity for entry in reached}, {"grace@example.com"})

    def test_it_fails_closed_without_an_upstream_token(self) -> None:
        UpstreamToken.objects.filter(pk=self.user_row.pk).delete()
        is_error, text = self.call("list", resourceType="pods", namespace="default")
        self.assertTrue(is_error)
        self.assertIn("authentication required", text)
        self.assertEqual(self.fake.requests, [])

    def test_an_expiring_upstream_token_is_refreshed_before_use(self) -> None:
        old = self.stored_id_token()
        old_expiry = UpstreamToken.objects.get(pk=self.user_row.pk).expires
        UpstreamToken.objects.filter(pk=self.user_row.pk).update(expires=timezone.now() + timedelta(seconds=10))
        self.fake.require_auth({old: "grace@example.com"})
        self.call("list", resourceType="pods", namespace="default")
        new = self.stored_id_token()
        self.assertNotEqual(new, old)
        self.assertGreater(UpstreamToken.objects.get(pk=self.user_row.pk).expires, old_expiry - timedelta(seconds=5))
        # The refreshed token, not the old one, was presented...
        self.assertTrue(self.fake.requests)
        self.assertEqual({entry.identity for entry in self.fake.requests}, {None})
        # ...and it is Grace's: once the cluster knows it, her calls go through as her.
        self.fake.clear_requests()
        self.fake.require_auth({new: "grace@example.com"})
        is_error, text = self.call("list", resourceType="pods", namespace="default")
        self.assertFalse(is_error, text)
        self.assertEqual({entry.identity for entry in self.fake.requests}, {"grace@example.com"})
