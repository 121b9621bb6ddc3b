"""Who an upstream login is: the ID token's (iss, sub), with an email the provider vouches for.

Through the real endpoints against a provider that signs crafted ID tokens (tests.oauth.crafted_provider):
the findings of issue #24 about upstream accounts (linking by email, `email_verified` absent or "false",
an `azp` naming another client, a leading space in an email).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth import get_user_model
from oauth2_provider.models import AccessToken

from oauthgw.models import UpstreamIdentity
from tests.oauth.base import CLIENT_REDIRECT_URI, UPSTREAM_CLIENT_ID, Browser, OAuthLiveTestCase, pkce_pair, query_of
from tests.oauth.crafted_provider import CraftedProvider

User = get_user_model()


class CraftedIdTokenLoginTest(OAuthLiveTestCase):
    provider_class = CraftedProvider

    def setUp(self) -> None:
        self.provider.claims = {}

    def sign_in(self, **claims: Any) -> Any | None:
        """An upstream login with these ID-token claims, through /o/authorize/ and /o/token/: the account it
        signed in as, or None when kubemcp refused the login (its login-failed answer)."""
        self.provider.claims = claims
        client = self.register().json()
        verifier, challenge = pkce_pair()
        browser = Browser()
        try:
            landed = browser.authorize(self.authorization_url(client["client_id"], challenge))
        except AssertionError:
            assert browser.last_response is not None
            self.assertEqual(browser.last_response.status_code, 401, browser.pages)
            self.assertEqual(browser.last_response.json()["error"], "access_denied")
            return None
        response = self.token(
            client,
            grant_type="authorization_code",
            code=query_of(landed)["code"],
            redirect_uri=CLIENT_REDIRECT_URI,
            code_verifier=verifier,
        )
        self.assertEqual(response.status_code, 200, response.text)
        checksum = hashlib.sha256(response.json()["access_token"].encode()).hexdigest()
        return AccessToken.objects.select_related("user").get(token_checksum=checksum).user

    def test_a_first_login_makes_an_account_that_the_same_subject_finds_again_whatever_its_email(self) -> None:
        first = self.sign_in(sub="person-1", email="person@example.com")
        self.assertIsNotNone(first)
        self.assertEqual(first.username, "person@example.com")
        self.assertFalse(first.is_staff or first.is_superuser or first.has_usable_password())
        identity = UpstreamIdentity.objects.get(user=first)
        self.assertEqual(
            (identity.issuer, identity.subject, identity.linked_by), (self.provider.issuer, "person-1", "")
        )
        # OIDC Core 5.7: the email may change, the subject names the person.
        again = self.sign_in(sub="person-1", email="new-address@example.com")
        self.assertEqual(again.pk, first.pk)

    def test_an_upstream_email_naming_a_local_superuser_does_not_sign_in_as_that_superuser(self) -> None:
        root = User.objects.create_superuser("root@example.com", "root@example.com", "a local password")
        for email in ("root@example.com", "ROOT@Example.com"):
            with self.subTest(email=email):
                self.assertIsNone(self.sign_in(sub=f"attacker-{email}", email=email))
        self.assertFalse(UpstreamIdentity.objects.filter(user=root).exists())
        self.assertEqual(User.objects.filter(username__iexact="root@example.com").count(), 1)

    def test_a_leading_or_trailing_space_in_the_email_does_not_make_another_account(self) -> None:
        User.objects.create_superuser("root@example.com", "root@example.com", "a local password")
        for email in (" root@example.com", "root@example.com ", "root@example.com\t"):
            with self.subTest(email=email):
                self.assertIsNone(self.sign_in(sub="spaced", email=email))
        self.assertEqual(User.objects.filter(username__icontains="root@").count(), 1)

    def test_email_verified_must_be_the_boolean_true(self) -> None:
        # OIDC Core 5.1: email_verified is a JSON boolean; "false" is a non-empty string, and absent is not true.
        for verified in ("false", "true", None, False, 1):
            with self.subTest(email_verified=verified):
                self.assertIsNone(
                    self.sign_in(sub="unverified", email="unverified@example.com", email_verified=verified)
                )
        self.assertFalse(User.objects.filter(username="unverified@example.com").exists())

    def test_an_id_token_for_another_client_is_refused(self) -> None:
        # OIDC Core 3.1.3.7 steps 3-5: aud must contain our client_id; with several audiences azp must be
        # present and name us; an azp that is present must name us.
        for claims in (
            {"aud": "another-client"},
            {"aud": UPSTREAM_CLIENT_ID, "azp": "another-client"},
            {"aud": [UPSTREAM_CLIENT_ID, "another-client"]},
            {"aud": [UPSTREAM_CLIENT_ID, "another-client"], "azp": "another-client"},
        ):
            with self.subTest(claims=claims):
                self.assertIsNone(self.sign_in(sub="other-client", email="other@example.com", **claims))
        self.assertFalse(User.objects.filter(username="other@example.com").exists())
        signed_in = self.sign_in(
            sub="other-client", email="other@example.com", aud=[UPSTREAM_CLIENT_ID, "x"], azp=UPSTREAM_CLIENT_ID
        )
        self.assertIsNotNone(signed_in)
