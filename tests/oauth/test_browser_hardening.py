"""Browsers: CORS for the allowed origins only, security headers everywhere, HSTS when asked for."""

from __future__ import annotations

import requests

from tests.oauth.base import OAuthLiveTestCase

ALLOWED = "https://console.example.com"


class BrowserHardeningTest(OAuthLiveTestCase):
    oauth_env = {"ALLOWED_ORIGINS": ALLOWED, "ENABLE_HSTS": "true"}

    def test_a_disallowed_origin_is_refused_at_mcp(self) -> None:
        response = self.mcp_post(None, Origin="https://evil.example.com")
        self.assertEqual(response.status_code, 403)
        self.assertIn("not allowed", response.json()["error"]["message"])
        self.assertNotIn("Access-Control-Allow-Origin", response.headers)

    def test_an_allowed_origin_gets_cors_headers_exposing_the_session_and_the_challenge(self) -> None:
        response = self.mcp_post(None, Origin=ALLOWED)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.headers["Access-Control-Allow-Origin"], ALLOWED)
        exposed = response.headers["Access-Control-Expose-Headers"]
        self.assertIn("Mcp-Session-Id", exposed)
        self.assertIn("WWW-Authenticate", exposed)

    def test_a_preflight_from_an_allowed_origin_is_answered_without_a_token(self) -> None:
        response = requests.options(
            f"{self.base_url}/mcp",
            timeout=30,
            headers={
                "Origin": ALLOWED,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response.headers["Access-Control-Allow-Origin"], ALLOWED)
        self.assertIn("Authorization", response.headers["Access-Control-Allow-Headers"])
        self.assertIn("POST", response.headers["Access-Control-Allow-Methods"])

    def test_the_token_endpoint_answers_cors_for_allowed_origins_only(self) -> None:
        allowed = requests.options(f"{self.base_url}/o/token/", headers={"Origin": ALLOWED}, timeout=30)
        self.assertEqual(allowed.headers.get("Access-Control-Allow-Origin"), ALLOWED)
        other = requests.options(
            f"{self.base_url}/o/token/", headers={"Origin": "https://evil.example.com"}, timeout=30
        )
        self.assertNotIn("Access-Control-Allow-Origin", other.headers)

    def test_security_headers_are_on_every_response(self) -> None:
        responses = [
            self.mcp_post(None),
            requests.get(f"{self.base_url}/.well-known/oauth-authorization-server", timeout=30),
            self.register(token=None),
        ]
        for response in responses:
            with self.subTest(url=response.url):
                self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
                self.assertEqual(response.headers["X-Frame-Options"], "DENY")
                self.assertIn("frame-ancestors 'none'", response.headers["Content-Security-Policy"])
                self.assertTrue(response.headers["Strict-Transport-Security"].startswith("max-age=31536000"))
                self.assertIn("Referrer-Policy", response.headers)


class NoHstsByDefaultTest(OAuthLiveTestCase):
    def test_hsts_is_off_unless_enabled(self) -> None:
        response = self.mcp_post(None)
        self.assertNotIn("Strict-Transport-Security", response.headers)
        self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
