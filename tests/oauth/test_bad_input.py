"""Garbage at the OAuth endpoints is answered with an OAuth error (or a plain 4xx), never a 500."""

from __future__ import annotations

import requests

from tests.oauth.base import OAuthLiveTestCase


class BadInputTest(OAuthLiveTestCase):
    def expect_oauth_error(self, response: requests.Response, status: int) -> dict[str, str]:
        self.assertEqual(response.status_code, status, response.text[:300])
        body = response.json()
        self.assertIn("error", body)
        return body

    def test_the_authorization_endpoint(self) -> None:
        url = f"{self.base_url}/o/authorize/"
        self.expect_oauth_error(requests.get(url, allow_redirects=False, timeout=30), 400)
        self.expect_oauth_error(
            requests.get(url, params={"client_id": "\x00", "response_type": "code"}, allow_redirects=False, timeout=30),
            400,
        )

    def test_the_token_endpoint(self) -> None:
        url = f"{self.base_url}/o/token/"
        self.expect_oauth_error(requests.post(url, timeout=30), 400)
        self.expect_oauth_error(
            requests.post(url, data={"grant_type": "password", "username": "a", "password": "b"}, timeout=30), 400
        )
        self.expect_oauth_error(
            requests.post(
                url,
                headers={"Authorization": "Basic !!!not-base64"},
                data={"grant_type": "authorization_code", "code": "x"},
                timeout=30,
            ),
            401,
        )
        body = self.expect_oauth_error(
            requests.post(
                url, data={"grant_type": "authorization_code", "client_id": "nobody", "code": "x"}, timeout=30
            ),
            401,
        )
        self.assertEqual(body["error"], "invalid_client")

    def test_the_introspection_and_revocation_endpoints(self) -> None:
        self.expect_oauth_error(requests.post(f"{self.base_url}/o/introspect/", data={"token": "x"}, timeout=30), 401)
        response = requests.post(f"{self.base_url}/o/revoke_token/", data={"token": "x"}, timeout=30)
        self.assertLess(response.status_code, 500)

    def test_the_upstream_callback_without_a_login_in_progress(self) -> None:
        response = requests.get(
            f"{self.base_url}/oidc/callback/", params={"code": "x", "state": "y"}, allow_redirects=True, timeout=30
        )
        body = self.expect_oauth_error(response, 401)
        self.assertEqual(body["error"], "access_denied")

    def test_the_bearer_header_at_mcp(self) -> None:
        for header in ("Bearer", "Bearer ", "Basic abc", "Bearer " + "x" * 5000, "bearer\ttoken"):
            with self.subTest(header=header[:20]):
                response = requests.post(
                    f"{self.base_url}/mcp",
                    json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                    headers={"Authorization": header, "Accept": "application/json, text/event-stream"},
                    timeout=30,
                )
                self.assertEqual(response.status_code, 401)
                self.assertEqual(response.json()["error"]["code"], -32001)
