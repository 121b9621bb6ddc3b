"""The redirect to the upstream provider (its endpoint from discovery, state, nonce, S256 PKCE, Dex extras), and
linking an existing account to an upstream identity."""

from __future__ import annotations

import hashlib

import requests
from django.contrib.auth import get_user_model
from oauth2_provider.models import AccessToken

from oauthgw.models import UpstreamIdentity
from tests.oauth.base import UPSTREAM_CLIENT_ID, Browser, OAuthLiveTestCase, query_of


class UpstreamLoginRedirectTest(OAuthLiveTestCase):
    oauth_env = {"DEX_CONNECTOR_ID": "ldap"}

    def test_the_login_goes_to_the_providers_authorization_endpoint_with_state_nonce_and_pkce(self) -> None:
        response = requests.get(
            f"{self.base_url}/oidc/authenticate/",
            params={"next": "/o/authorize/?x=1"},
            allow_redirects=False,
            timeout=30,
        )
        self.assertEqual(response.status_code, 302)
        location = response.headers["Location"]
        discovery = requests.get(f"{self.provider.issuer}/.well-known/openid-configuration", timeout=30).json()
        self.assertTrue(location.startswith(discovery["authorization_endpoint"] + "?"), location)
        params = query_of(location)
        self.assertEqual(params["client_id"], UPSTREAM_CLIENT_ID)
        self.assertEqual(params["redirect_uri"], f"{self.base_url}/oidc/callback/")
        self.assertEqual(params["code_challenge_method"], "S256")
        self.assertEqual(len(params["code_challenge"]), 43)
        self.assertGreaterEqual(len(params["state"]), 32)
        self.assertGreaterEqual(len(params["nonce"]), 32)
        self.assertEqual(params["scope"].split(), ["openid", "profile", "email", "groups", "offline_access"])
        self.assertEqual(params["connector_id"], "ldap")


class UpstreamAccountLinkingTest(OAuthLiveTestCase):
    """With the certified provider: an existing local account is reached only once an administrator links it."""

    def test_an_existing_account_is_reached_only_after_an_administrator_links_it(self) -> None:
        User = get_user_model()
        alice = User.objects.create_superuser("alice@example.com", "alice@example.com", "a local password")
        # The provider's account "alice" has the email alice@example.com, verified: not enough to be this user.
        with self.assertRaisesRegex(AssertionError, "HTTP 401"):
            self.login_and_get_tokens(login="alice")
        self.assertFalse(UpstreamIdentity.objects.exists())

        staff = User.objects.create_user("staff", password="x", is_staff=True)
        link = {"user": alice.pk, "issuer": self.provider.issuer, "subject": "alice"}
        self.client.force_login(staff)
        self.assertEqual(self.client.post("/admin/oauthgw/upstreamidentity/add/", link).status_code, 403)
        admin = User.objects.create_superuser("admin", "admin@example.com", "x")
        self.client.force_login(admin)
        response = self.client.post("/admin/oauthgw/upstreamidentity/add/", link)
        self.assertEqual(response.status_code, 302, response.content[:500])
        self.assertEqual(UpstreamIdentity.objects.get(user=alice).linked_by, "admin")

        tokens = self.login_and_get_tokens(login="alice")
        checksum = hashlib.sha256(tokens["access_token"].encode()).hexdigest()
        self.assertEqual(AccessToken.objects.get(token_checksum=checksum).user_id, alice.pk)

    def test_a_signed_in_local_user_links_their_own_account_by_an_upstream_login(self) -> None:
        User = get_user_model()
        bob = User.objects.create_user("bob@example.com", "bob@example.com", "bobs-local-password", is_staff=True)
        browser = Browser(login="bob")
        session = browser.session
        session.get(f"{self.base_url}/admin/login/", timeout=30)
        refused = session.post(f"{self.base_url}/oidc/link/", data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
                               allow_redirects=False, timeout=30)  # fmt: skip
        self.assertEqual(refused.status_code, 403)  # nobody is signed in with a local password yet
        signed_in = session.post(
            f"{self.base_url}/admin/login/?next=/admin/",
            data={"username": "bob@example.com", "password": "bobs-local-password",
                  "csrfmiddlewaretoken": session.cookies["csrftoken"]},
            allow_redirects=False,
            timeout=30,
        )  # fmt: skip
        self.assertEqual(signed_in.status_code, 302, signed_in.text[:300])
        start = session.post(f"{self.base_url}/oidc/link/", data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
                             allow_redirects=False, timeout=30)  # fmt: skip
        self.assertEqual(start.status_code, 302, start.text[:300])
        browser.authorize(f"{self.base_url}{start.headers['Location']}", redirect_uri=f"{self.base_url}/admin/")
        identity = UpstreamIdentity.objects.get(user=bob)
        self.assertEqual((identity.subject, identity.linked_by), ("bob", "bob@example.com"))
        tokens = self.login_and_get_tokens(login="bob")
        checksum = hashlib.sha256(tokens["access_token"].encode()).hexdigest()
        self.assertEqual(AccessToken.objects.get(token_checksum=checksum).user_id, bob.pk)
