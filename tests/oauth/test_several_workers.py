"""Two workers behind one issuer, sharing the database and Redis (the team deployment).

A token revoked through one worker is refused by the other at once (the verification cache is the
shared cache), and the per-user limit counts the requests made to both.
"""

from __future__ import annotations

from typing import ClassVar

import redis
import requests

from tests.live import LiveServer, free_port
from tests.oauth.base import OAuthLiveTestCase

# A Redis database of its own: the test empties it first, so counters of earlier runs do not leak in.
REDIS_URL = "redis://127.0.0.1:6379/11"


class SeveralWorkersTest(OAuthLiveTestCase):
    oauth_env = {"REDIS_URL": REDIS_URL, "RATE_LIMIT_PER_USER": "4/h"}
    other: ClassVar[LiveServer]

    @classmethod
    def _start(cls) -> None:
        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
        except redis.RedisError as error:
            raise RuntimeError(f"these tests need Redis at {REDIS_URL} (.ci/run starts it): {error}") from None
        super()._start()
        cls.other = LiveServer(env=cls.server.env, port=free_port()).start()
        cls._stack.callback(cls.other.stop)

    def post_to(self, server: LiveServer, token: str) -> int:
        response = requests.post(
            server.mcp_url,
            json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
            timeout=30,
            headers={
                "Authorization": f"Bearer {token}",
                "MCP-Protocol-Version": "2025-11-25",
                "Accept": "application/json, text/event-stream",
            },
        )
        return response.status_code

    def test_a_token_revoked_through_one_worker_is_refused_by_the_other_at_once(self) -> None:
        tokens = self.login_and_get_tokens(login="liam")
        access, client = tokens["access_token"], tokens["client"]
        self.assertEqual(self.post_to(self.other, access), 200)  # verified and cached
        revoked = requests.post(
            f"{self.base_url}/o/revoke_token/",
            timeout=30,
            data={"token": access, "client_id": client["client_id"], "client_secret": client["client_secret"]},
        )
        self.assertEqual(revoked.status_code, 200)
        self.assertEqual(self.post_to(self.other, access), 401)

    def test_the_per_user_limit_counts_requests_to_every_worker(self) -> None:
        access = self.login_and_get_tokens(login="mia")["access_token"]
        statuses = [self.post_to(server, access) for server in (self.server, self.other, self.server, self.other)]
        self.assertEqual(statuses, [200, 200, 200, 200])
        self.assertEqual(self.post_to(self.other, access), 429)
        self.assertEqual(self.post_to(self.server, access), 429)
