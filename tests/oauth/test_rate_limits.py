"""Rate limits per client address and per user: 429, Retry-After and a JSON body; proxies only when trusted."""

from __future__ import annotations

import requests

from tests.oauth.base import OAuthLiveTestCase


class PerAddressLimitTest(OAuthLiveTestCase):
    oauth_env = {"RATE_LIMIT_PER_IP": "4/h"}

    def test_the_fifth_request_in_a_minute_is_refused(self) -> None:
        statuses = [self.mcp_post(None).status_code for _ in range(4)]
        self.assertEqual(statuses, [401] * 4)
        response = self.mcp_post(None)
        self.assertEqual(response.status_code, 429)
        self.assertGreater(int(response.headers["Retry-After"]), 0)
        body = response.json()
        self.assertEqual(body["error"]["data"]["error"], "rate_limit_exceeded")
        # An untrusted X-Forwarded-For does not buy a fresh budget.
        self.assertEqual(self.mcp_post(None, **{"X-Forwarded-For": "203.0.113.9"}).status_code, 429)

    def test_the_oauth_endpoints_are_limited_too(self) -> None:
        url = f"{self.base_url}/.well-known/oauth-authorization-server"
        statuses = [requests.get(url, timeout=30).status_code for _ in range(5)]
        self.assertEqual(statuses[:4], [200] * 4)
        self.assertEqual(statuses[4], 429)


class TrustedProxyTest(OAuthLiveTestCase):
    oauth_env = {"RATE_LIMIT_PER_IP": "2/h", "TRUSTED_PROXIES": "127.0.0.1"}

    def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(self) -> None:
        first = [self.mcp_post(None, **{"X-Forwarded-For": "203.0.113.1"}).status_code for _ in range(3)]
        self.assertEqual(first, [401, 401, 429])
        self.assertEqual(self.mcp_post(None, **{"X-Forwarded-For": "203.0.113.2"}).status_code, 401)


class PerUserLimitTest(OAuthLiveTestCase):
    oauth_env = {"RATE_LIMIT_PER_USER": "3/h"}

    def test_a_user_over_the_limit_is_refused(self) -> None:
        token = self.login_and_get_tokens(login="erin")["access_token"]
        statuses = [self.mcp_post(token).status_code for _ in range(4)]
        self.assertEqual(statuses, [200, 200, 200, 429])
        self.assertIn("per-user", self.mcp_post(token).json()["error"]["message"])
