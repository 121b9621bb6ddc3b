"""After a full flow, no table holds a usable token: local or upstream, access, refresh, code or secret."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.sessions.models import Session
from django.db import connection

from oauthgw.crypto import TokenCipher, parse_key
from oauthgw.models import UpstreamToken
from tests.oauth.base import CLIENT_REDIRECT_URI, Browser, OAuthLiveTestCase, pkce_pair, query_of


def every_stored_value() -> str:
    """Every cell of every table, as text; session data decoded, since it is only base64 at rest."""
    cells: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                cells.extend(str(value) for value in row if value is not None)
    cells.extend(json.dumps(session.get_decoded()) for session in Session.objects.all())
    return "\n".join(cells)


class NoPlaintextTokensTest(OAuthLiveTestCase):
    oauth_env = {"DOWNSTREAM_OAUTH": "true"}

    def test_no_table_holds_a_token_after_a_full_flow(self) -> None:
        client = self.register().json()
        verifier, challenge = pkce_pair()
        code = query_of(Browser(login="frank").authorize(self.authorization_url(client["client_id"], challenge)))[
            "code"
        ]
        # While the code is live its grant row exists, holding only the code's hash.
        self.assertNotIn(code, every_stored_value())
        first = self.token(
            client, grant_type="authorization_code", code=code, redirect_uri=CLIENT_REDIRECT_URI, code_verifier=verifier
        ).json()
        second = self.token(client, grant_type="refresh_token", refresh_token=first["refresh_token"]).json()
        self.assertEqual(self.mcp_post(second["access_token"]).status_code, 200)

        row = UpstreamToken.objects.get(user__username="frank@example.com")
        cipher = TokenCipher(parse_key(self.encryption_key))
        owner = f"user:{row.user_id}"
        upstream = {
            purpose: cipher.open(getattr(row, purpose), owner=owner, purpose=purpose)
            for purpose in ("id_token", "access_token", "refresh_token")
        }
        for purpose, value in upstream.items():
            self.assertTrue(value, f"no upstream {purpose} was stored")
            self.assertTrue(getattr(row, purpose).startswith("v1."), purpose)

        secrets: dict[str, Any] = {
            "authorization code": code,
            "client secret": client["client_secret"],
            "registration access token": client["registration_access_token"],
            "first access token": first["access_token"],
            "first refresh token": first["refresh_token"],
            "access token": second["access_token"],
            "refresh token": second["refresh_token"],
            **{f"upstream {purpose}": value for purpose, value in upstream.items()},
        }
        stored = every_stored_value()
        self.assertIn(client["client_id"], stored)  # the scan does see the tables
        for name, value in secrets.items():
            with self.subTest(secret=name):
                self.assertGreaterEqual(len(value), 16)
                self.assertNotIn(value, stored)
