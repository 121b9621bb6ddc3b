"""Authorization requests the gateway refuses, before anyone is sent to the upstream login."""

from __future__ import annotations

import requests
from oauth2_provider.models import Application

from tests.oauth.base import CLIENT_REDIRECT_URI, OAuthLiveTestCase, pkce_pair, query_of


class AuthorizationRulesTest(OAuthLiveTestCase):
    def setUp(self) -> None:
        response = self.register()
        self.assertEqual(response.status_code, 201, response.text)
        self.client_info = response.json()

    def refused_with_redirect(self, **overrides: str | None) -> dict[str, str]:
        _verifier, challenge = pkce_pair()
        response = requests.get(
            self.authorization_url(self.client_info["client_id"], challenge, **overrides),
            allow_redirects=False,
            timeout=30,
        )
        self.assertEqual(response.status_code, 302, response.text)
        location = response.headers["Location"]
        self.assertTrue(location.startswith(CLIENT_REDIRECT_URI + "?"), location)
        return query_of(location)

    def refused_without_redirect(self, client_id: str | None = None, **overrides: str | None) -> dict[str, str]:
        _verifier, challenge = pkce_pair()
        url = self.authorization_url(client_id or self.client_info["client_id"], challenge, **overrides)
        response = requests.get(url, allow_redirects=False, timeout=30)
        self.assertEqual(response.status_code, 400, response.text)
        self.assertNotIn("Location", response.headers)
        return response.json()

    def test_a_valid_request_goes_to_the_upstream_login(self) -> None:
        _verifier, challenge = pkce_pair()
        response = requests.get(
            self.authorization_url(self.client_info["client_id"], challenge), allow_redirects=False, timeout=30
        )
        self.assertEqual(response.status_code, 302)
        self.assertIn("/oidc/authenticate/", response.headers["Location"])

    def test_it_refuses_a_request_without_pkce(self) -> None:
        params = self.refused_with_redirect(code_challenge=None, code_challenge_method=None)
        self.assertEqual(params["error"], "invalid_request")
        self.assertEqual(params["iss"], self.base_url)

    def test_it_refuses_plain_pkce(self) -> None:
        verifier, _challenge = pkce_pair()
        params = self.refused_with_redirect(code_challenge=verifier[:43], code_challenge_method="plain")
        self.assertEqual(params["error"], "invalid_request")
        self.assertIn("S256", params["error_description"])

    def test_it_refuses_pkce_without_a_method(self) -> None:
        params = self.refused_with_redirect(code_challenge_method=None)
        self.assertEqual(params["error"], "invalid_request")

    def test_it_refuses_a_request_without_state(self) -> None:
        params = self.refused_with_redirect(state=None)
        self.assertEqual(params["error"], "invalid_request")
        self.assertIn("state", params["error_description"])

    def test_it_refuses_a_short_state_and_echoes_it(self) -> None:
        params = self.refused_with_redirect(state="too-short")
        self.assertEqual(params["error"], "invalid_request")
        self.assertEqual(params["state"], "too-short")

    def test_it_refuses_a_token_for_another_resource(self) -> None:
        params = self.refused_with_redirect(resource="https://elsewhere.example.com/mcp")
        self.assertEqual(params["error"], "invalid_target")

    def test_it_refuses_a_response_type_other_than_code(self) -> None:
        params = self.refused_with_redirect(response_type="token")
        self.assertEqual(params["error"], "unauthorized_client")

    def test_it_never_redirects_to_an_unregistered_redirect_uri(self) -> None:
        body = self.refused_without_redirect(redirect_uri="http://127.0.0.1:53682/other")
        self.assertEqual(body["error"], "invalid_request")

    def test_a_loopback_redirect_uri_may_use_any_port_and_must_match_otherwise(self) -> None:
        # RFC 8252 section 7.3: a native app's loopback listener gets its port from the system at the time.
        _verifier, challenge = pkce_pair()
        url = self.authorization_url(
            self.client_info["client_id"], challenge, redirect_uri="http://127.0.0.1:9999/callback"
        )
        response = requests.get(url, allow_redirects=False, timeout=30)
        self.assertEqual(response.status_code, 302, response.text)
        self.assertIn("/oidc/authenticate/", response.headers["Location"])
        for uri in ("http://127.0.0.1:9999/other", "http://localhost:53682/callback", "http://[::1]:53682/callback",
                    "http://127.0.0.1:9999/callback?x=1", "https://127.0.0.1:53682/callback"):  # fmt: skip
            with self.subTest(uri=uri):
                self.assertEqual(self.refused_without_redirect(redirect_uri=uri)["error"], "invalid_request")

    def test_it_refuses_an_unknown_client_without_redirecting(self) -> None:
        body = self.refused_without_redirect(client_id="no-such-client")
        self.assertEqual(body["error"], "invalid_request")
        self.assertIn("client_id", body["error_description"])

    def test_a_stored_redirect_uri_to_a_private_address_in_another_spelling_is_not_used(self) -> None:
        # Issue #24: clients registered before the spellings were understood keep their URIs; authorize
        # judges them again and never redirects there.
        for uri in ("https://0xa9fea9fe/cb", "https://10.1/cb", "https://167772161/cb", "https://100.64.0.1/cb"):
            with self.subTest(uri=uri):
                Application.objects.filter(client_id=self.client_info["client_id"]).update(redirect_uris=uri)
                body = self.refused_without_redirect(redirect_uri=uri)
                self.assertEqual(body["error"], "invalid_request")
