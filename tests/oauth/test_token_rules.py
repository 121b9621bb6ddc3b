"""The token endpoint: PKCE verification, single-use codes, refresh rotation and reuse detection."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests
from django.contrib.auth import get_user_model
from oauth2_provider.models import AccessToken, RefreshToken

from tests.oauth.base import CLIENT_REDIRECT_URI, Browser, OAuthLiveTestCase, pkce_pair, query_of


class TokenRulesTest(OAuthLiveTestCase):
    def setUp(self) -> None:
        response = self.register()
        self.assertEqual(response.status_code, 201, response.text)
        self.client_info = response.json()

    def code(self) -> tuple[str, str]:
        verifier, challenge = pkce_pair()
        landed = Browser().authorize(self.authorization_url(self.client_info["client_id"], challenge))
        params = query_of(landed)
        self.assertEqual(params["iss"], self.base_url)
        return params["code"], verifier

    def exchange(self, code: str, verifier: str | None, **extra: str) -> tuple[int, dict[str, str]]:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CLIENT_REDIRECT_URI, **extra}
        if verifier is not None:
            data["code_verifier"] = verifier
        response = self.token(self.client_info, **data)
        return response.status_code, response.json()

    def refresh(self, refresh_token: str) -> tuple[int, dict[str, str]]:
        response = self.token(self.client_info, grant_type="refresh_token", refresh_token=refresh_token)
        return response.status_code, response.json()

    def test_a_code_and_its_verifier_give_mcp_tokens_bound_to_this_server(self) -> None:
        code, verifier = self.code()
        status, body = self.exchange(code, verifier)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["token_type"], "Bearer")
        self.assertEqual(body["scope"], "mcp")
        self.assertEqual(body["expires_in"], 3600)
        self.assertTrue(body["refresh_token"])
        self.assertEqual(self.mcp_post(body["access_token"]).status_code, 200)

    def test_it_refuses_a_wrong_verifier(self) -> None:
        code, _verifier = self.code()
        other, _challenge = pkce_pair()
        status, body = self.exchange(code, other)
        self.assertEqual((status, body["error"]), (400, "invalid_grant"))

    def test_it_refuses_a_missing_verifier(self) -> None:
        code, _verifier = self.code()
        status, body = self.exchange(code, None)
        self.assertEqual((status, body["error"]), (400, "invalid_request"))

    def test_it_refuses_a_verifier_shorter_than_43_characters(self) -> None:
        code, verifier = self.code()
        status, body = self.exchange(code, verifier[:42])
        self.assertEqual((status, body["error"]), (400, "invalid_grant"))
        self.assertIn("43-128", body["error_description"])

    def test_it_refuses_another_redirect_uri_at_the_token_endpoint(self) -> None:
        code, verifier = self.code()
        status, body = self.exchange(code, verifier, redirect_uri="http://127.0.0.1:53682/other")
        self.assertEqual(status, 400, body)
        self.assertIn(body["error"], ("invalid_request", "invalid_grant"))

    def test_a_code_works_once_and_a_replay_revokes_what_it_gave(self) -> None:
        code, verifier = self.code()
        status, tokens = self.exchange(code, verifier)
        self.assertEqual(status, 200, tokens)
        self.assertEqual(self.mcp_post(tokens["access_token"]).status_code, 200)
        status, body = self.exchange(code, verifier)
        self.assertEqual((status, body["error"]), (400, "invalid_grant"))
        # The code leaked: what was issued for it no longer works, and revocation is immediate.
        self.assertEqual(self.mcp_post(tokens["access_token"]).status_code, 401)
        status, body = self.refresh(tokens["refresh_token"])
        self.assertEqual((status, body["error"]), (400, "invalid_grant"))

    def test_two_simultaneous_exchanges_of_one_code_give_one_set_of_tokens(self) -> None:
        code, verifier = self.code()
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda _: self.exchange(code, verifier), range(4)))
        self.assertEqual(sorted(status for status, _ in results), [200, 400, 400, 400])

    def test_it_refuses_a_token_for_another_resource_as_uncached_json(self) -> None:
        code, verifier = self.code()
        response = self.token(
            self.client_info,
            grant_type="authorization_code",
            code=code,
            redirect_uri=CLIENT_REDIRECT_URI,
            code_verifier=verifier,
            resource="https://elsewhere.example.com/mcp",
        )
        self.assertEqual((response.status_code, response.json()["error"]), (400, "invalid_target"))
        # RFC 6749 section 5.2 (errors are application/json) and 5.1 (token answers carry no-store).
        self.assertEqual(response.headers["Content-Type"], "application/json")
        self.assertEqual(response.headers["Cache-Control"], "no-store")

    def test_it_refuses_the_password_grant_before_looking_at_any_credential(self) -> None:
        # OAuth 2.1 section 10 removes the password grant; the metadata never listed it. A wrong password, a
        # right one, an unknown client and no client at all get one answer, so nothing is learnt about them.
        get_user_model().objects.create_superuser("root", "root@example.com", "the-right-password")
        public = self.register(token_endpoint_auth_method="none").json()
        answers = set()
        for client_id, password in (
            (public["client_id"], "the-right-password"),
            (public["client_id"], "a-wrong-password"),
            ("no-such-client", "the-right-password"),
            (None, "the-right-password"),
        ):
            data = {"grant_type": "password", "username": "root", "password": password}
            if client_id:
                data["client_id"] = client_id
            response = requests.post(f"{self.base_url}/o/token/", data=data, timeout=30)
            answers.add((response.status_code, response.text, response.headers["Cache-Control"]))
        self.assertEqual(len(answers), 1, answers)
        status, text, _cache = answers.pop()
        self.assertEqual(status, 400)
        self.assertIn('"unsupported_grant_type"', text)

    def test_it_refuses_every_grant_type_it_does_not_advertise(self) -> None:
        for grant_type in ("client_credentials", "implicit", "urn:ietf:params:oauth:grant-type:device_code", ""):
            with self.subTest(grant_type=grant_type):
                response = self.token(self.client_info, grant_type=grant_type, device_code="x")
                self.assertEqual((response.status_code, response.json()["error"]), (400, "unsupported_grant_type"))

    def test_a_refresh_rotates_the_refresh_token(self) -> None:
        code, verifier = self.code()
        _, first = self.exchange(code, verifier)
        status, second = self.refresh(first["refresh_token"])
        self.assertEqual(status, 200, second)
        self.assertNotEqual(second["refresh_token"], first["refresh_token"])
        self.assertNotEqual(second["access_token"], first["access_token"])
        self.assertEqual(self.mcp_post(second["access_token"]).status_code, 200)
        self.assertEqual(self.mcp_post(first["access_token"]).status_code, 401)

    def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(self) -> None:
        code, verifier = self.code()
        _, first = self.exchange(code, verifier)
        _, second = self.refresh(first["refresh_token"])
        status, body = self.refresh(first["refresh_token"])
        self.assertEqual((status, body["error"]), (400, "invalid_grant"))
        # The thief's replay also kills what the legitimate client holds now.
        status, body = self.refresh(second["refresh_token"])
        self.assertEqual((status, body["error"]), (400, "invalid_grant"))
        self.assertEqual(self.mcp_post(second["access_token"]).status_code, 401)
        self.assertFalse(RefreshToken.objects.filter(revoked__isnull=True).exists())
        self.assertFalse(AccessToken.objects.filter(scope="mcp").exists())

    def test_a_failed_http_basic_client_authentication_is_challenged_with_basic(self) -> None:
        # RFC 6749 section 5.2: the WWW-Authenticate of invalid_client matches the scheme the client used.
        response = requests.post(
            f"{self.base_url}/o/token/",
            data={"grant_type": "refresh_token", "refresh_token": "x"},
            auth=(self.client_info["client_id"], "not-the-secret"),
            timeout=30,
        )
        self.assertEqual((response.status_code, response.json()["error"]), (401, "invalid_client"))
        self.assertTrue(response.headers["WWW-Authenticate"].startswith("Basic "), response.headers["WWW-Authenticate"])

    def test_credentials_in_the_query_string_are_refused(self) -> None:
        # RFC 6749 section 2.3.1: client credentials MUST NOT be in the request URI (proxies and access logs
        # keep URIs); the token, revocation and introspection endpoints refuse them before reading them.
        code, verifier = self.code()
        for path in ("/o/token/", "/o/revoke_token/", "/o/introspect/"):
            with self.subTest(path=path):
                response = requests.post(
                    f"{self.base_url}{path}?client_secret={self.client_info['client_secret']}",
                    data={"client_id": self.client_info["client_id"], "grant_type": "authorization_code",
                          "code": code, "redirect_uri": CLIENT_REDIRECT_URI, "code_verifier": verifier,
                          "token": "x"},
                    timeout=30,
                )  # fmt: skip
                self.assertEqual((response.status_code, response.json()["error"]), (400, "invalid_request"))
        # The code was not spent by the refused request.
        status, body = self.exchange(code, verifier)
        self.assertEqual(status, 200, body)
