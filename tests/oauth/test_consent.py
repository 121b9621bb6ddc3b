"""The consent step: declining, and handing control back to an app with its own URL scheme."""

from __future__ import annotations

import requests
from oauth2_provider.models import Grant

from tests.oauth.base import CLIENT_REDIRECT_URI, Browser, OAuthLiveTestCase, pkce_pair, query_of

APP_REDIRECT = "cursor://anysphere.cursor-mcp/oauth/callback"


class ConsentTest(OAuthLiveTestCase):
    oauth_env = {"TRUSTED_REDIRECT_SCHEMES": "cursor"}

    def test_declining_sends_access_denied_back_to_the_client(self) -> None:
        client = self.register().json()
        _verifier, challenge = pkce_pair()
        state = "s" * 40
        landed = Browser(approve=False).authorize(self.authorization_url(client["client_id"], challenge, state=state))
        params = query_of(landed)
        self.assertEqual(params["error"], "access_denied")
        self.assertEqual(params["state"], state)
        self.assertNotIn("code", params)

    def test_a_custom_scheme_gets_an_interstitial_page_that_hands_control_back(self) -> None:
        client = self.register([APP_REDIRECT]).json()
        _verifier, challenge = pkce_pair()
        browser = Browser()
        url = self.authorization_url(client["client_id"], challenge, redirect_uri=APP_REDIRECT)
        with self.assertRaises(AssertionError) as stopped:  # the browser stops at a page without a form
            browser.authorize(url, redirect_uri=APP_REDIRECT)
        self.assertIn("HTTP 200", str(stopped.exception))
        last = browser.pages[-1]
        self.assertTrue(last.startswith("POST ") and last.endswith("-> 200"), browser.pages)
        response = browser.last_response
        assert response is not None
        self.assertIn('id="open-app"', response.text)
        self.assertIn("cursor://anysphere.cursor-mcp/oauth/callback?code=", response.text)
        self.assertIn("frame-ancestors 'none'", response.headers["Content-Security-Policy"])

    def test_a_metadata_document_client_id_on_a_private_address_is_refused(self) -> None:
        _verifier, challenge = pkce_pair()
        url = self.authorization_url("https://127.0.0.1:1/client.json", challenge)
        response = requests.get(url, allow_redirects=False, timeout=30)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "invalid_request")
        self.assertIn("client_id", response.json()["error_description"])

    def test_the_consent_post_is_checked_again_and_must_be_the_request_that_was_shown(self) -> None:
        # Issue #24: the POST was not re-checked (a short state passed, another client's id was accepted, an
        # empty scope was a 500). It passes the rules of the GET again and must match the page shown.
        client = self.register().json()
        other = self.register().json()
        for tampered in (
            {"state": "short"},
            {"scope": ""},
            {"scope": "mcp admin"},
            {"client_id": other["client_id"]},
            {"code_challenge": "A" * 43},
            {"code_challenge_method": "plain"},
            {"redirect_uri": "http://127.0.0.1:53682/elsewhere"},
            {"resource": "https://elsewhere.example.com/mcp"},
        ):
            with self.subTest(tampered=tampered):
                _verifier, challenge = pkce_pair()
                browser = Browser(consent=tampered)
                with self.assertRaisesRegex(AssertionError, "HTTP 400"):
                    browser.authorize(self.authorization_url(client["client_id"], challenge))
                assert browser.last_response is not None
                self.assertIn(browser.last_response.json()["error"], ("invalid_request", "invalid_scope",
                                                                      "invalid_target", "invalid_client"))  # fmt: skip
        self.assertFalse(Grant.objects.exists())
        # The form as shown still works.
        _verifier, challenge = pkce_pair()
        landed = Browser().authorize(self.authorization_url(client["client_id"], challenge))
        self.assertIn("code", query_of(landed))

    def test_prompt_none_answers_with_an_error_and_iss_instead_of_a_page(self) -> None:
        # OIDC Core 3.1.2.6 (login_required, consent_required) and RFC 9207 (iss on every authorization response).
        client = self.register().json()
        _verifier, challenge = pkce_pair()
        url = self.authorization_url(client["client_id"], challenge, prompt="none")
        anonymous = requests.get(url, allow_redirects=False, timeout=30)
        self.assertEqual(anonymous.status_code, 302)
        params = query_of(anonymous.headers["Location"])
        self.assertTrue(anonymous.headers["Location"].startswith(CLIENT_REDIRECT_URI + "?"))
        self.assertEqual((params["error"], params["iss"]), ("login_required", self.base_url))

        browser = Browser()
        browser.authorize(self.authorization_url(client["client_id"], challenge))  # signs in, consents once
        signed_in = browser.session.get(url, allow_redirects=False, timeout=30)
        self.assertEqual(signed_in.status_code, 302, signed_in.text[:300])
        params = query_of(signed_in.headers["Location"])
        self.assertEqual((params["error"], params["iss"]), ("consent_required", self.base_url))
