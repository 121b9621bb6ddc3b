"""The migration that brings in UpstreamIdentity keeps the logins of accounts an upstream login created, and
drops the links that were made by a matching email to accounts with a local password."""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

BEFORE = [("oauthgw", "0003_client_last_used")]
AFTER = [("oauthgw", "0004_upstream_identity")]


class IdentityMigrationTest(TransactionTestCase):
    def tearDown(self) -> None:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    def test_first_login_accounts_keep_their_login_and_email_linked_local_accounts_do_not(self) -> None:
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        apps = executor.loader.project_state(BEFORE).apps
        User = apps.get_model("auth", "User")
        UpstreamToken = apps.get_model("oauthgw", "UpstreamToken")
        created = User.objects.create(username="erin@example.com", password="!unusable")
        local = User.objects.create(username="root@example.com", password=make_password("x"), is_superuser=True)
        expires = datetime(2030, 1, 1, tzinfo=UTC)
        for user, subject in ((created, "erin"), (local, "attacker")):
            UpstreamToken.objects.create(
                user=user, provider="dex", issuer="https://dex.example.com", subject=subject, expires=expires
            )

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        identities = apps.get_model("oauthgw", "UpstreamIdentity").objects.all()
        self.assertEqual(
            [(i.issuer, i.subject, i.user_id) for i in identities], [("https://dex.example.com", "erin", created.pk)]
        )
