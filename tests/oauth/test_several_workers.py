"""Two workers with OAuth on behind a round-robin proxy (the issuer's address), sharing a fresh PostgreSQL database
and Redis: the team deployment.

A token revoked through one worker is refused by both at once (the verification cache is the shared cache), the
per-user limit and the admin sign-in throttle count the requests made to both, and an expired upstream token is refreshed once, at the upstream
provider, however many calls on both workers find it expired together (Dex-style refresh tokens are single-use:
a second refresh would log the user out).
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from pathlib import Path
from typing import ClassVar

import requests
from django.contrib.auth.hashers import make_password

from fakekube import FakeCluster
from tests.live import LiveServer, listening_socket, run
from tests.multiworker.backends import create_database, redis_url, shared_environment, sql
from tests.multiworker.proxy import RoundRobinProxy
from tests.oauth.base import UPSTREAM_CLIENT_ID, OAuthLiveTestCase, call_with_bearer, mcp_post, new_encryption_key
from tests.oauth.provider import OIDCProvider

USER_LIMIT = 30
CONCURRENT_CALLS = 6


class SeveralWorkersTest(OAuthLiveTestCase):
    database: ClassVar[str]
    proxy: ClassVar[RoundRobinProxy]
    workers: ClassVar[list[LiveServer]]

    @classmethod
    def _start(cls) -> None:
        stack = cls._stack
        cls.database = create_database(stack, "kubemcp_oauth")
        redis = redis_url(stack)
        cls.fake = FakeCluster()
        cls.fake.seed(**cls.seed)
        running = stack.enter_context(cls.fake.serve())
        directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="kubemcp-oauth-workers-"))
        cls.kubeconfig = str(Path(directory) / "kubeconfig")
        running.write_kubeconfig(cls.kubeconfig)
        listeners = [listening_socket(), listening_socket()]
        cls.proxy = stack.enter_context(RoundRobinProxy([listener.getsockname()[1] for listener in listeners]))
        cls.upstream_secret = secrets.token_urlsafe(24)
        cls.provider = OIDCProvider(
            client_id=UPSTREAM_CLIENT_ID,
            client_secret=cls.upstream_secret,
            redirect_uri=f"{cls.proxy.url}/oidc/callback/",
        ).start()
        stack.callback(cls.provider.stop)
        cls.encryption_key = new_encryption_key()
        cls.registration_token = secrets.token_urlsafe(32)
        env = shared_environment(
            cls.database,
            redis,
            KUBECONFIG=cls.kubeconfig,
            DATA_DIR=directory,
            OAUTH_ENABLED="true",
            OAUTH_BASE_URL=cls.proxy.url,
            OAUTH_PROVIDER="dex",
            DEX_ISSUER_URL=cls.provider.issuer,
            DEX_CLIENT_ID=UPSTREAM_CLIENT_ID,
            DEX_CLIENT_SECRET=cls.upstream_secret,
            ALLOW_PRIVATE_OAUTH_URLS="true",
            OAUTH_ENCRYPTION_KEY=cls.encryption_key,
            REGISTRATION_TOKEN=cls.registration_token,
            MAX_REGISTRATIONS_PER_HOUR="1000",
            RATE_LIMIT_PER_IP="200/2s",
            RATE_LIMIT_PER_USER=f"{USER_LIMIT}/h",
            # Each call reaches the cluster with the user's own upstream ID token, refreshed when it expires.
            DOWNSTREAM_OAUTH="true",
        )
        cls.workers = [LiveServer(env=env, listener=listener) for listener in listeners]
        for worker in cls.workers:
            stack.callback(worker.stop)
            worker.start()
        cls.server = cls.workers[0]

    @property
    def base_url(self) -> str:
        return self.proxy.url

    def post_to(self, server: LiveServer, token: str) -> int:
        return mcp_post(server.mcp_url, token).status_code

    def test_a_token_revoked_through_one_worker_is_refused_by_both_at_once(self) -> None:
        tokens = self.login_and_get_tokens(login="liam")
        access, client = tokens["access_token"], tokens["client"]
        self.assertEqual([self.post_to(worker, access) for worker in self.workers], [200, 200])  # verified, cached
        revoked = requests.post(
            f"{self.workers[1].url}/o/revoke_token/",
            timeout=30,
            data={"token": access, "client_id": client["client_id"], "client_secret": client["client_secret"]},
        )
        self.assertEqual(revoked.status_code, 200)
        self.assertEqual([self.post_to(worker, access) for worker in self.workers], [401, 401])

    def test_the_per_user_limit_counts_requests_to_every_worker(self) -> None:
        access = self.login_and_get_tokens(login="mia")["access_token"]
        statuses = [self.post_to(self.workers[number % 2], access) for number in range(USER_LIMIT)]
        self.assertEqual(statuses, [200] * USER_LIMIT)  # half on each worker: a limit per worker would allow double
        self.assertEqual([self.post_to(worker, access) for worker in self.workers], [429, 429])

    def test_failed_admin_sign_ins_on_both_workers_count_against_one_budget(self) -> None:
        # Issue #24 (no brute-force limit on the admin login): five failures spread over both workers use the
        # account's budget (ADMIN_LOGIN_FAILURES_PER_ACCOUNT, 5/15m by default), then both refuse even the
        # right password.
        sql(
            self.database,
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined) VALUES (%s, true, 'root', '', '', 'root@example.com', true, true, now())",
            (make_password("the-right-password"),),
        )
        session = requests.Session()

        def sign_in(worker: LiveServer, password: str) -> int:
            session.get(f"{worker.url}/admin/login/", timeout=30)
            response = session.post(
                f"{worker.url}/admin/login/?next=/admin/",
                data={"username": "root", "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                allow_redirects=False,
                timeout=30,
            )
            return response.status_code

        self.assertEqual([sign_in(self.workers[n % 2], f"wrong-{n}") for n in range(5)], [200] * 5)
        self.assertEqual([sign_in(worker, "the-right-password") for worker in self.workers], [429, 429])
        [(records,)] = sql(self.database, "SELECT count(*) FROM k8stools_auditrecord WHERE tool = 'admin_login'")
        self.assertEqual(records, 2)

    def upstream_expiry_is_past(self, username: str) -> bool:
        [(past,)] = sql(
            self.database,
            "SELECT t.expires < now() FROM oauthgw_upstreamtoken t JOIN auth_user u ON u.id = t.user_id "
            "WHERE u.username = %s",
            (username,),
        )
        return bool(past)

    def expire_upstream_token(self, username: str) -> None:
        sql(
            self.database,
            "UPDATE oauthgw_upstreamtoken SET expires = now() - interval '1 minute' "
            "WHERE user_id = (SELECT id FROM auth_user WHERE username = %s)",
            (username,),
        )
        self.assertTrue(self.upstream_expiry_is_past(username))

    def test_an_expired_upstream_token_is_refreshed_once_for_concurrent_calls_on_both_workers(self) -> None:
        access = self.login_and_get_tokens(login="nora")["access_token"]
        self.expire_upstream_token("nora@example.com")
        refreshed_before = self.provider.grants("success", "refresh_token")
        connections_before = dict(self.proxy.connections)

        async def calls(count: int) -> list[tuple[bool, str]]:
            list_pods = ("list", {"resourceType": "pods", "namespace": "default"})
            return await asyncio.gather(
                *(call_with_bearer(f"{self.proxy.url}/mcp", access, *list_pods) for _ in range(count))
            )

        results = run(calls(CONCURRENT_CALLS))

        self.assertEqual([is_error for is_error, _ in results], [False] * CONCURRENT_CALLS, results)
        used = {port for port, count in self.proxy.connections.items() if count > connections_before.get(port, 0)}
        self.assertEqual(used, {worker.port for worker in self.workers})
        self.assertEqual(self.provider.grants("success", "refresh_token") - refreshed_before, 1, self.provider.log())
        self.assertEqual(self.provider.grants("error", "refresh_token"), 0, self.provider.log())
        self.assertFalse(self.upstream_expiry_is_past("nora@example.com"))
        # The chain of single-use refresh tokens is intact (a replayed one makes the provider revoke the grant, and
        # the user would have to log in again): the next expiry is refreshed too.
        self.expire_upstream_token("nora@example.com")
        [(is_error, text)] = run(calls(1))
        self.assertFalse(is_error, text)
        self.assertEqual(self.provider.grants("success", "refresh_token") - refreshed_before, 2, self.provider.log())
