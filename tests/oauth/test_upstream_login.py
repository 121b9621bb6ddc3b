"""The redirect to the upstream provider: its endpoint from discovery, state, nonce, S256 PKCE, Dex extras."""

from __future__ import annotations

import requests

from tests.oauth.base import UPSTREAM_CLIENT_ID, OAuthLiveTestCase, query_of


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
