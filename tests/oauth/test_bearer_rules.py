"""What /mcp accepts as a bearer token: only live `mcp` tokens issued for this server's /mcp."""

from __future__ import annotations

import http.client
import json
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, set_token_value

from tests.oauth.base import OAuthLiveTestCase


class BearerRulesTest(OAuthLiveTestCase):
    def setUp(self) -> None:
        self.tokens = self.login_and_get_tokens(login="carol")

    def challenge(self, response: requests.Response) -> str:
        return response.headers.get("WWW-Authenticate", "")

    def test_a_valid_token_is_accepted(self) -> None:
        self.assertEqual(self.mcp_post(self.tokens["access_token"]).status_code, 200)

    def test_it_refuses_a_forged_token(self) -> None:
        response = self.mcp_post(secrets.token_urlsafe(30))
        self.assertEqual(response.status_code, 401)
        self.assertIn('error="invalid_token"', self.challenge(response))
        self.assertIn("resource_metadata=", self.challenge(response))
        self.assertEqual(response.json()["error"]["data"]["error"], "invalid_token")

    def test_it_refuses_an_expired_token(self) -> None:
        AccessToken.objects.filter(scope="mcp").update(expires=timezone.now() - timedelta(seconds=1))
        response = self.mcp_post(self.tokens["access_token"])
        self.assertEqual(response.status_code, 401)
        self.assertIn("expired", response.json()["error"]["data"]["error_description"])

    def test_it_refuses_a_token_issued_for_another_resource(self) -> None:
        token = secrets.token_urlsafe(30)
        application = Application.objects.get(client_id=self.tokens["client"]["client_id"])
        user = AccessToken.objects.get(scope="mcp").user
        row = AccessToken(
            user=user,
            application=application,
            scope="mcp",
            expires=timezone.now() + timedelta(hours=1),
            resource=["https://elsewhere.example.com/mcp"],
        )
        set_token_value(row, token)
        row.save()
        response = self.mcp_post(token)
        self.assertEqual(response.status_code, 401)
        self.assertIn("not issued for", response.json()["error"]["data"]["error_description"])

    def test_a_registration_token_lacks_the_mcp_scope(self) -> None:
        registration_token = self.tokens["client"]["registration_access_token"]
        response = self.mcp_post(registration_token)
        self.assertEqual(response.status_code, 403)
        self.assertIn('error="insufficient_scope"', self.challenge(response))
        self.assertIn('scope="mcp"', self.challenge(response))

    def test_revocation_takes_effect_at_once(self) -> None:
        access = self.tokens["access_token"]
        self.assertEqual(self.mcp_post(access).status_code, 200)  # now in the verification cache
        client = self.tokens["client"]
        revoked = requests.post(
            f"{self.base_url}/o/revoke_token/",
            timeout=30,
            data={"token": access, "client_id": client["client_id"], "client_secret": client["client_secret"]},
        )
        self.assertEqual(revoked.status_code, 200)
        self.assertEqual(self.mcp_post(access).status_code, 401)
        # Revoking an access token also revokes its refresh token.
        refreshed = self.token(client, grant_type="refresh_token", refresh_token=self.tokens["refresh_token"])
        self.assertEqual(refreshed.json()["error"], "invalid_grant")

    def test_a_token_in_the_query_string_is_not_accepted(self) -> None:
        response = requests.post(
            f"{self.base_url}/mcp?access_token={self.tokens['access_token']}",
            timeout=30,
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            headers={"Accept": "application/json, text/event-stream"},
        )
        self.assertEqual(response.status_code, 401)

    def test_two_authorization_headers_are_a_400_whichever_comes_first(self) -> None:
        # RFC 6750 section 3.1: a request with more than one way of carrying a token is invalid_request (400).
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}).encode()
        address = urlsplit(self.base_url)
        for first, second in ((self.tokens["access_token"], "forged"), ("forged", self.tokens["access_token"])):
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
            try:
                connection.putrequest("POST", "/mcp")
                for token in (first, second):
                    connection.putheader("Authorization", f"Bearer {token}")
                connection.putheader("Content-Type", "application/json")
                connection.putheader("Accept", "application/json, text/event-stream")
                connection.putheader("MCP-Protocol-Version", "2025-11-25")
                connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body)
                response = connection.getresponse()
                self.assertEqual(response.status, 400)
                self.assertIn('error="invalid_request"', response.getheader("WWW-Authenticate") or "")
            finally:
                connection.close()


class IntrospectionTest(OAuthLiveTestCase):
    def setUp(self) -> None:
        self.tokens = self.login_and_get_tokens(login="dave")
        self.client_info = self.tokens["client"]

    def introspect(self, token: str, **auth: str) -> requests.Response:
        return requests.post(f"{self.base_url}/o/introspect/", data={"token": token, **auth}, timeout=30)

    def test_it_requires_client_authentication(self) -> None:
        response = self.introspect(self.tokens["access_token"])
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"], "invalid_client")
        response = self.introspect(
            self.tokens["access_token"], client_id=self.client_info["client_id"], client_secret="wrong"
        )
        self.assertEqual(response.status_code, 401)

    def test_it_describes_the_clients_own_live_token(self) -> None:
        body = self.introspect(
            self.tokens["access_token"],
            client_id=self.client_info["client_id"],
            client_secret=self.client_info["client_secret"],
        ).json()
        self.assertTrue(body["active"])
        self.assertEqual(body["scope"], "mcp")
        self.assertEqual(body["aud"], [f"{self.base_url}/mcp"])
        self.assertEqual(body["username"], "dave@example.com")
        self.assertEqual(body["client_id"], self.client_info["client_id"])

    def test_another_clients_token_is_inactive(self) -> None:
        other = self.register().json()
        body = self.introspect(
            self.tokens["access_token"], client_id=other["client_id"], client_secret=other["client_secret"]
        ).json()
        self.assertEqual(body, {"active": False})
