"""The consent step: declining, and handing control back to an app with its own URL scheme."""

from __future__ import annotations

import requests

from tests.oauth.base import Browser, OAuthLiveTestCase, pkce_pair, query_of

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
