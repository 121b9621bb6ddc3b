"""The `mcp:read` scope: enough for /mcp/read-only, not for /mcp, which needs `mcp`."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.test import TestCase, override_settings
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, set_token_value

from k8stools.identity import Caller
from oauthgw.gateway import OAuthGate, Refusal

BASE = "https://kubemcp.example.com"


async def inner_app(scope: object, receive: object, send: object) -> None:  # pragma: no cover - never called
    raise AssertionError("admit() alone is under test")


@override_settings(OAUTH_ENABLED=True, OAUTH_BASE_URL=BASE, RATE_LIMIT_PER_IP="off", RATE_LIMIT_PER_USER="off")
class ReadScopeTest(TestCase):
    def setUp(self) -> None:
        self.user = get_user_model().objects.create_user("ivy@example.com")
        self.application = Application.objects.create(
            name="app",
            client_type="public",
            redirect_uris="https://a.example/cb",
            authorization_grant_type="authorization-code",
        )

    def token(self, scope: str) -> str:
        value = secrets.token_urlsafe(30)
        token = AccessToken(
            user=self.user,
            application=self.application,
            scope=scope,
            resource=[f"{BASE}/mcp"],
            expires=timezone.now() + timedelta(hours=1),
        )
        set_token_value(token, value)
        token.save()
        return value

    def admit(self, token: str, *, read_only: bool) -> Caller | Refusal:
        return OAuthGate(inner_app, read_only=read_only).admit(f"Bearer {token}", "127.0.0.1", None)

    def test_a_read_token_opens_the_read_only_endpoint_only(self) -> None:
        reading = self.token("mcp:read")
        self.assertIsInstance(self.admit(reading, read_only=True), Caller)
        refused = self.admit(reading, read_only=False)
        assert isinstance(refused, Refusal)
        self.assertEqual(refused.status, 403)
        self.assertEqual((refused.data or {}).get("error"), "insufficient_scope")
        self.assertIn("'mcp' scope", refused.message)
        self.assertIn('scope="mcp"', dict(refused.headers)["WWW-Authenticate"])

    def test_a_full_token_opens_both_endpoints(self) -> None:
        full = self.token("mcp")
        self.assertIsInstance(self.admit(full, read_only=False), Caller)
        self.assertIsInstance(self.admit(full, read_only=True), Caller)

    def test_a_token_with_neither_scope_is_refused_at_the_read_only_endpoint_naming_mcp_read(self) -> None:
        refused = self.admit(self.token("openid"), read_only=True)
        assert isinstance(refused, Refusal)
        self.assertEqual(refused.status, 403)
        self.assertIn('scope="mcp:read"', dict(refused.headers)["WWW-Authenticate"])
