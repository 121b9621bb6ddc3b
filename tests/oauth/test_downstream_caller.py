"""The identity the gate hands to k8stools: with downstream OAuth, the user's own upstream ID token."""

from __future__ import annotations

import secrets
from datetime import timedelta

import jwt
from django.contrib.auth import get_user_model
from django.test import TestCase, override_settings
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, set_token_value

from k8stools.context import get_server_context
from k8stools.identity import Caller, Impersonation
from oauthgw import crypto
from oauthgw.gateway import OAuthGate, Refusal
from oauthgw.models import UpstreamToken
from tests.oauth.base import new_encryption_key

BASE = "https://kubemcp.example.com"
KEY = new_encryption_key()


async def inner_app(scope: object, receive: object, send: object) -> None:  # pragma: no cover - never called
    raise AssertionError("admit() alone is under test")


@override_settings(
    OAUTH_ENABLED=True,
    OAUTH_BASE_URL=BASE,
    DOWNSTREAM_OAUTH=True,
    OAUTH_ENCRYPTION_KEY=KEY,
    OAUTH_ENCRYPTION_KEYS_OLD=[],
    RATE_LIMIT_PER_IP="off",
    RATE_LIMIT_PER_USER="off",
    OAUTH_UPSTREAM_REFRESH_MARGIN_SECONDS=300,
)
class DownstreamCallerTest(TestCase):
    def setUp(self) -> None:
        crypto.reset_cipher()
        self.addCleanup(crypto.reset_cipher)
        self.user = get_user_model().objects.create_user("ivy@example.com", email="ivy@example.com")
        application = Application.objects.create(
            name="app",
            client_type="public",
            redirect_uris="https://a.example/cb",
            authorization_grant_type="authorization-code",
        )
        self.access = secrets.token_urlsafe(30)
        token = AccessToken(
            user=self.user,
            application=application,
            scope="mcp",
            resource=[f"{BASE}/mcp"],
            expires=timezone.now() + timedelta(hours=1),
        )
        set_token_value(token, self.access)
        token.save()
        self.gate = OAuthGate(inner_app)

    def store_upstream(self, id_token: str, *, expires_in: float, refresh_token: str = "") -> None:
        cipher = crypto.cipher()
        owner = f"user:{self.user.pk}"
        UpstreamToken.objects.create(
            user=self.user,
            provider="dex",
            issuer="https://dex.example.com",
            subject="ivy",
            id_token=cipher.seal(id_token, owner=owner, purpose="id_token"),
            refresh_token=cipher.seal(refresh_token, owner=owner, purpose="refresh_token") if refresh_token else "",
            expires=timezone.now() + timedelta(seconds=expires_in),
        )

    def admit(self) -> Caller | Refusal:
        return self.gate.admit(f"Bearer {self.access}", "127.0.0.1", None)

    def test_the_caller_carries_the_users_id_token_and_requires_it(self) -> None:
        self.store_upstream("ivys.id.token", expires_in=3600)
        caller = self.admit()
        assert isinstance(caller, Caller)
        self.assertEqual(caller.id_token, "ivys.id.token")
        self.assertTrue(caller.requires_own_credentials)
        self.assertEqual((caller.username, caller.user_id), ("ivy@example.com", self.user.pk))
        self.assertNotIn("ivys.id.token", repr(caller))

    def test_without_an_upstream_token_the_caller_has_none_and_the_failure_is_counted(self) -> None:
        metrics = get_server_context().metrics
        before = metrics.total("bearer_client_failures_total")
        caller = self.admit()
        assert isinstance(caller, Caller)
        self.assertIsNone(caller.id_token)
        self.assertTrue(caller.requires_own_credentials)  # k8stools then refuses the call: fail closed
        self.assertEqual(metrics.total("bearer_client_failures_total"), before + 1)

    def test_an_expired_id_token_that_cannot_be_refreshed_is_not_used(self) -> None:
        self.store_upstream("old.id.token", expires_in=-60)
        caller = self.admit()
        assert isinstance(caller, Caller)
        self.assertIsNone(caller.id_token)

    def test_a_blob_sealed_for_another_user_does_not_open(self) -> None:
        other = get_user_model().objects.create_user("mallory@example.com")
        cipher = crypto.cipher()
        UpstreamToken.objects.create(
            user=self.user,
            provider="dex",
            issuer="https://dex.example.com",
            subject="ivy",
            id_token=cipher.seal("mallorys.token", owner=f"user:{other.pk}", purpose="id_token"),
            expires=timezone.now() + timedelta(hours=1),
        )
        caller = self.admit()
        assert isinstance(caller, Caller)
        self.assertIsNone(caller.id_token)

    def test_tokens_sealed_with_a_retired_key_are_resealed_with_the_current_one(self) -> None:
        self.store_upstream("ivys.id.token", expires_in=3600, refresh_token="ivys.refresh")
        old_key = KEY
        new_key = new_encryption_key()
        with self.settings(OAUTH_ENCRYPTION_KEY=new_key, OAUTH_ENCRYPTION_KEYS_OLD=[old_key]):
            crypto.reset_cipher()
            caller = self.admit()
            assert isinstance(caller, Caller)
            self.assertEqual(caller.id_token, "ivys.id.token")
            row = UpstreamToken.objects.get(user=self.user)
            current = crypto.key_id(crypto.parse_key(new_key))
            self.assertTrue(all(getattr(row, p).split(".")[1] == current for p in ("id_token", "refresh_token")))
        # Once resealed, the retired key is no longer needed.
        with self.settings(OAUTH_ENCRYPTION_KEY=new_key, OAUTH_ENCRYPTION_KEYS_OLD=[]):
            crypto.reset_cipher()
            caller = self.admit()
            assert isinstance(caller, Caller)
            self.assertEqual(caller.id_token, "ivys.id.token")

    @override_settings(DOWNSTREAM_OAUTH=False)
    def test_without_downstream_oauth_the_server_credentials_are_used(self) -> None:
        self.store_upstream("ivys.id.token", expires_in=3600)
        caller = OAuthGate(inner_app).admit(f"Bearer {self.access}", "127.0.0.1", None)
        assert isinstance(caller, Caller)
        self.assertIsNone(caller.id_token)
        self.assertFalse(caller.requires_own_credentials)


@override_settings(DOWNSTREAM_OAUTH=False, DOWNSTREAM_AUTH="impersonate", IMPERSONATE_GROUPS_PREFIX="oidc:")
class ImpersonatingCallerTest(DownstreamCallerTest):
    """With DOWNSTREAM_AUTH=impersonate the caller names the person from the ID token and carries no token."""

    def id_token(self, **claims: object) -> str:
        return jwt.encode({"sub": "ivy", **claims}, "not-checked-here-it-was-checked-when-stored", algorithm="HS256")

    def test_the_caller_names_the_person_and_their_prefixed_groups(self) -> None:
        self.store_upstream(self.id_token(email="ivy@example.com", groups=["dev"]), expires_in=3600)
        caller = self.admit()
        assert isinstance(caller, Caller)
        self.assertEqual(caller.impersonation, Impersonation("ivy@example.com", ("oidc:dev",)))
        self.assertIsNone(caller.id_token)
        self.assertEqual((caller.downstream, caller.requires_own_credentials), ("impersonate", True))

    def test_a_missing_or_hostile_claim_names_no_one_and_says_why(self) -> None:
        for claims, reason in (
            ({}, "'email' claim"),
            ({"email": "ivy@example.com", "groups": "dev"}, "not a list"),
        ):
            with self.subTest(reason=reason):
                UpstreamToken.objects.all().delete()
                self.store_upstream(self.id_token(**claims), expires_in=3600)
                caller = self.admit()
                assert isinstance(caller, Caller)
                self.assertIsNone(caller.impersonation)
                self.assertIn(reason, caller.identity_problem)

    # The passthrough expectations of the base class do not hold here.
    test_the_caller_carries_the_users_id_token_and_requires_it = None  # type: ignore[assignment]
    test_tokens_sealed_with_a_retired_key_are_resealed_with_the_current_one = None  # type: ignore[assignment]
    test_without_downstream_oauth_the_server_credentials_are_used = None  # type: ignore[assignment]
