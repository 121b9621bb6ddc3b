"""Upstream tokens are refreshed before they expire, once, under a per-user lock shared by all workers.

The provider rotates refresh tokens like Dex: a spent one is refused. Two workers refreshing at
once without the lock would spend the same token twice and one of them would lose the session.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from oauthgw import crypto, upstream_tokens
from oauthgw.models import UpstreamToken
from tests.oauth.base import UPSTREAM_CLIENT_ID, OAuthLiveTestCase


class UpstreamRefreshTest(OAuthLiveTestCase):
    def setUp(self) -> None:
        self.login_and_get_tokens(login="henry")
        self.row = UpstreamToken.objects.get(user__username="henry@example.com")
        overrides = self.settings(
            OAUTH_PROVIDER="dex",
            DEX_ISSUER_URL=self.provider.issuer,
            DEX_K8S_AUTHENTICATOR_CLIENT_ID="",
            OIDC_RP_CLIENT_ID=UPSTREAM_CLIENT_ID,
            OIDC_RP_CLIENT_SECRET=self.upstream_secret,
            OIDC_VERIFY_SSL=True,
            OIDC_VERIFY_KID=True,
            OAUTH_ENCRYPTION_KEY=self.encryption_key,
            OAUTH_ENCRYPTION_KEYS_OLD=[],
            OAUTH_UPSTREAM_REFRESH_MARGIN_SECONDS=300,
        )
        overrides.enable()
        self.addCleanup(overrides.disable)
        crypto.reset_cipher()
        self.addCleanup(crypto.reset_cipher)

    def id_token(self) -> str:
        row = UpstreamToken.objects.get(pk=self.row.pk)
        return crypto.cipher().open(row.id_token, owner=f"user:{row.user_id}", purpose="id_token")

    def expire_soon(self) -> None:
        UpstreamToken.objects.filter(pk=self.row.pk).update(expires=timezone.now() + timedelta(seconds=30))

    def refreshed(self) -> bool:
        """True when the stored ID token is fresh again (a token issued in the same second may be byte-identical)."""
        return not UpstreamToken.objects.get(pk=self.row.pk).expires_within(300)

    def test_a_token_far_from_expiry_is_used_as_it_is(self) -> None:
        before = self.id_token()
        self.assertEqual(upstream_tokens.id_token_for(self.row.user_id), before)

    def test_a_token_near_expiry_is_refreshed_and_the_new_one_checked_and_sealed(self) -> None:
        self.expire_soon()
        refreshed = upstream_tokens.id_token_for(self.row.user_id)
        self.assertTrue(self.refreshed())
        self.assertEqual(refreshed, self.id_token())
        self.assertTrue(UpstreamToken.objects.get(pk=self.row.pk).refresh_token.startswith("v1."))

    def test_concurrent_refreshes_spend_the_single_use_refresh_token_once(self) -> None:
        self.expire_soon()
        start = threading.Barrier(4)
        seen: list[Any] = []

        def worker() -> None:
            start.wait()
            try:
                seen.append(upstream_tokens.id_token_for(self.row.user_id))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual(len(seen), 4)
        self.assertEqual(len(set(seen)), 1, "every worker must end with the same ID token")
        self.assertEqual(seen[0], self.id_token())
        self.assertTrue(self.refreshed())
        # The chain of single-use refresh tokens is intact (a replay would have revoked it): the next refresh works.
        self.expire_soon()
        upstream_tokens.id_token_for(self.row.user_id)
        self.assertTrue(self.refreshed())
