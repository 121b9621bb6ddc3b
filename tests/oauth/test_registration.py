"""RFC 7591 registration: the registration token, the redirect-URI policy, hashed secrets, per-IP limits."""

from __future__ import annotations

import requests
from django.contrib.auth.hashers import check_password, make_password
from oauth2_provider.models import Application

from tests.oauth.base import CLIENT_REDIRECT_URI, OAuthLiveTestCase


class RegistrationTest(OAuthLiveTestCase):
    oauth_env = {"TRUSTED_REDIRECT_SCHEMES": "cursor"}

    def test_it_refuses_a_registration_without_the_registration_token(self) -> None:
        response = self.register(token=None)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"], "invalid_token")
        self.assertTrue(response.headers["WWW-Authenticate"].startswith("Bearer"))
        self.assertFalse(Application.objects.exists())

    def test_it_refuses_a_wrong_registration_token(self) -> None:
        response = self.register(token="not-the-token")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"], "invalid_token")

    def test_it_registers_a_client_and_stores_only_a_hash_of_its_secret(self) -> None:
        response = self.register()
        self.assertEqual(response.status_code, 201, response.text)
        body = response.json()
        self.assertEqual(body["redirect_uris"], [CLIENT_REDIRECT_URI])
        self.assertEqual(body["grant_types"], ["authorization_code", "refresh_token"])
        self.assertEqual(body["client_secret_expires_at"], 0)
        stored = Application.objects.get(client_id=body["client_id"])
        self.assertNotIn(body["client_secret"], stored.client_secret)
        self.assertTrue(stored.client_secret.startswith("kubemcp_client_secret$"), stored.client_secret[:30])
        self.assertTrue(check_password(body["client_secret"], stored.client_secret))
        self.assertFalse(check_password(body["client_secret"][:-1], stored.client_secret))

    def test_a_secret_stored_by_the_password_hasher_before_still_gets_tokens(self) -> None:
        client = self.register().json()
        Application.objects.filter(client_id=client["client_id"]).update(
            client_secret=make_password(client["client_secret"])  # Django's PBKDF2, as DOT stored it before
        )
        tokens = self.login_and_get_tokens(client=client)
        self.assertEqual(self.mcp_post(tokens["access_token"]).status_code, 200)
        refused = self.token({**client, "client_secret": "wrong"}, grant_type="refresh_token",
                             refresh_token=tokens["refresh_token"])  # fmt: skip
        self.assertEqual(refused.json()["error"], "invalid_client")

    def test_it_accepts_https_loopback_and_trusted_custom_schemes(self) -> None:
        for uri in (
            "https://app.example.com/callback",
            "http://localhost:8765/cb",
            "http://[::1]:8765/cb",
            "cursor://anysphere.cursor-mcp/oauth/callback",
        ):
            with self.subTest(uri=uri):
                self.assertEqual(self.register([uri]).status_code, 201)

    def test_it_refuses_unsafe_redirect_uris(self) -> None:
        for uri in (
            "http://app.example.com/callback",
            "javascript:alert(1)",
            "https://10.1.2.3/cb",
            "https://169.254.169.254/cb",
            "vscode://callback",
            "https://app.example.com/cb#frag",
            "https://user@app.example.com/cb",
            "data:text/html,hi",
            # Issue #24: private and metadata addresses in other spellings (oauthgw.addresses).
            "https://0xa9fea9fe/latest/meta-data/",
            "https://10.1/cb",
            "https://167772161/cb",
            "https://0177.0.0.1/cb",
            "https://100.64.0.1/cb",
            "https://[::ffff:a9fe:a9fe]/cb",
            "https://[64:ff9b::a9fe:a9fe]/cb",
        ):
            with self.subTest(uri=uri):
                response = self.register([uri])
                self.assertEqual(response.status_code, 400, response.text)
                self.assertEqual(response.json()["error"], "invalid_redirect_uri")

    def test_it_refuses_grant_types_other_than_the_authorization_code(self) -> None:
        response = self.register(grant_types=["client_credentials"])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "invalid_client_metadata")

    def test_it_answers_bad_json_with_an_oauth_error(self) -> None:
        response = requests.post(
            f"{self.base_url}/o/register/",
            data=b"{not json",
            timeout=30,
            headers={"Authorization": f"Bearer {self.registration_token}", "Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "invalid_client_metadata")

    def test_it_answers_deeply_nested_or_oversized_json_with_400(self) -> None:
        # Issue #24: 100000 nested arrays were a RecursionError, a 500 showing the settings with DEBUG on.
        headers = {"Authorization": f"Bearer {self.registration_token}", "Content-Type": "application/json"}
        nested = '{"redirect_uris": ' + "[" * 100_000 + "]" * 100_000 + "}"
        for body in (
            "[" * 100_000 + "]" * 100_000,
            nested,
            '{"client_name": "' + "x" * 200_000 + '"}',
            b'{"client_name": "\xff"}',
        ):
            with self.subTest(body=body[:30]):
                data = body.encode() if isinstance(body, str) else body
                response = requests.post(f"{self.base_url}/o/register/", data=data, headers=headers, timeout=30)
                self.assertEqual(response.status_code, 400, response.text[:300])
                self.assertEqual(response.json()["error"], "invalid_client_metadata")
        self.assertFalse(Application.objects.exists())


class PublicRegistrationTest(OAuthLiveTestCase):
    oauth_env = {"ALLOW_PUBLIC_REGISTRATION": "true"}

    def test_anyone_may_register_when_public_registration_is_on(self) -> None:
        self.assertEqual(self.register(token=None).status_code, 201)


class ClientsPerAddressTest(OAuthLiveTestCase):
    oauth_env = {"MAX_CLIENTS_PER_IP": "2"}

    def test_an_address_may_hold_at_most_max_clients_per_ip(self) -> None:
        self.assertEqual(self.register().status_code, 201)
        self.assertEqual(self.register().status_code, 201)
        response = self.register()
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.json()["error"], "too_many_clients")
        self.assertEqual(Application.objects.count(), 2)
        # Deleting a client frees its place.
        Application.objects.first().delete()
        self.assertEqual(self.register().status_code, 201)


class RegistrationsPerHourTest(OAuthLiveTestCase):
    oauth_env = {"MAX_REGISTRATIONS_PER_HOUR": "3", "MAX_REFUSED_REGISTRATIONS_PER_HOUR": "4"}

    def test_an_address_may_register_at_most_max_registrations_per_hour_and_refusals_do_not_count(self) -> None:
        # Issue #24: ten bad-token requests locked everyone behind the same address out for an hour.
        statuses = [self.register(token="not-the-token").status_code for _ in range(10)]
        self.assertEqual(statuses[:4], [401] * 4)
        self.assertEqual(set(statuses[5:]), {429})
        self.assertEqual(self.register(token=None).status_code, 429)
        self.assertEqual([self.register().status_code for _ in range(3)], [201, 201, 201])
        response = self.register()
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.json()["error"], "rate_limit_exceeded")
        self.assertGreater(int(response.headers["Retry-After"]), 0)


class RegistrationManagementTest(OAuthLiveTestCase):
    def test_an_update_cannot_change_how_a_client_authenticates(self) -> None:
        # Issue #24: RFC 7592 section 2.2 lets the server refuse an update; turning a confidential client
        # public made its refresh token work without the secret.
        client = self.register().json()
        tokens = self.login_and_get_tokens(client=client)
        url = client["registration_client_uri"]
        headers = {"Authorization": f"Bearer {client['registration_access_token']}"}
        body = {"redirect_uris": [CLIENT_REDIRECT_URI], "token_endpoint_auth_method": "none"}
        refused = requests.put(url, json=body, headers=headers, timeout=30)
        self.assertEqual(refused.status_code, 400, refused.text)
        self.assertEqual(refused.json()["error"], "invalid_client_metadata")
        self.assertEqual(Application.objects.get(client_id=client["client_id"]).client_type, "confidential")
        without_secret = self.token({"client_id": client["client_id"]}, grant_type="refresh_token",
                                    refresh_token=tokens["refresh_token"])  # fmt: skip
        self.assertEqual(without_secret.status_code, 401, without_secret.text)
        self.assertEqual(without_secret.json()["error"], "invalid_client")

        public = self.register(token_endpoint_auth_method="none").json()
        headers = {"Authorization": f"Bearer {public['registration_access_token']}"}
        for method in ("client_secret_basic", None):
            with self.subTest(method=method):
                body = {"redirect_uris": [CLIENT_REDIRECT_URI], "token_endpoint_auth_method": method}
                response = requests.put(public["registration_client_uri"], json=body, headers=headers, timeout=30)
                self.assertEqual(response.status_code, 400, response.text)
        self.assertEqual(Application.objects.get(client_id=public["client_id"]).client_type, "public")

    def test_an_update_with_deeply_nested_json_is_a_400(self) -> None:
        client = self.register().json()
        headers = {"Authorization": f"Bearer {client['registration_access_token']}"}
        response = requests.put(
            client["registration_client_uri"], data="[" * 50_000 + "]" * 50_000, headers=headers, timeout=30
        )
        self.assertEqual(response.status_code, 400, response.text[:300])
        self.assertEqual(response.json()["error"], "invalid_client_metadata")

    def test_a_client_cannot_update_itself_to_an_unsafe_redirect_uri(self) -> None:
        client = self.register().json()
        url = client["registration_client_uri"]
        headers = {"Authorization": f"Bearer {client['registration_access_token']}"}
        refused = requests.put(url, json={"redirect_uris": ["http://evil.example.com/cb"]}, headers=headers, timeout=30)
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(refused.json()["error"], "invalid_redirect_uri")
        self.assertEqual(Application.objects.get(client_id=client["client_id"]).redirect_uris, CLIENT_REDIRECT_URI)
        accepted = requests.put(
            url, json={"redirect_uris": ["https://app.example.com/cb"]}, headers=headers, timeout=30
        )
        self.assertEqual(accepted.status_code, 200, accepted.text)
        self.assertEqual(accepted.json()["redirect_uris"], ["https://app.example.com/cb"])
