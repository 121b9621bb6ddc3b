"""Versions that live with the database (`k8stools.shared_versions`), with the laptop's process-local cache.

Every write to the policy row or to a caller's context replaces a token in the writer's own transaction,
whoever writes and however (the ORM, a bulk update no signal sees, plain SQL on another connection); a worker
keeps its copy of the policy and of the callers' contexts while the token is unchanged, and reads the edit at
its very next call, across processes.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import Callable

from django.db import connection
from django.test import TransactionTestCase, override_settings

from k8stools.config import ServerConfig
from k8stools.models import PolicySettings, UserKubeContext
from k8stools.policy import PolicySource
from k8stools.policy_store import policy_update, policy_version
from k8stools.shared_versions import CONTEXT, POLICY, database_version
from k8stools.tools.runner import ChosenContexts
from tests.live import BASE_DIR, LiveServer, LiveServerTestCase, server_environment

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CONFIG = ServerConfig(restricted_namespaces={"kube-system"})


def on_another_connection(sql: str) -> None:
    """Run `sql` and commit, on a connection of the database's own driver that Django knows nothing of."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        with contextlib.closing(sqlite3.connect(settings["NAME"], timeout=20)) as other:
            other.execute(sql)
            other.commit()
    else:
        import psycopg

        with psycopg.connect(
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
            user=settings["USER"],
            password=settings["PASSWORD"] or None,
            dbname=settings["NAME"],
        ) as other:
            other.execute(sql)


@override_settings(CACHES=LOCAL_CACHE)
class DatabaseVersionTests(TransactionTestCase):
    def assert_replaces(self, name: str, write: Callable[[], object]) -> None:
        before = database_version(name)
        self.assertIsNotNone(before)
        write()
        after = database_version(name)
        self.assertIsNotNone(after)
        self.assertNotEqual(after, before)

    def test_every_kind_of_write_to_the_policy_replaces_its_version(self) -> None:
        self.assert_replaces(POLICY, lambda: policy_update(changes={"dry_run": True}, username="alice"))
        self.assert_replaces(POLICY, lambda: PolicySettings.objects.update(dry_run=False))  # no signal
        self.assert_replaces(POLICY, lambda: on_another_connection("UPDATE k8stools_policysettings SET dry_run = TRUE"))
        self.assert_replaces(POLICY, lambda: PolicySettings.objects.all().delete())
        self.assert_replaces(POLICY, lambda: PolicySettings.objects.bulk_create([PolicySettings(pk=1, dry_run=True)]))

    def test_every_kind_of_write_to_a_callers_context_replaces_its_version(self) -> None:
        self.assert_replaces(CONTEXT, lambda: UserKubeContext.objects.create(user_key="alice", context_name="a"))
        self.assert_replaces(CONTEXT, lambda: UserKubeContext.objects.update(context_name="b"))
        self.assert_replaces(
            CONTEXT, lambda: on_another_connection("UPDATE k8stools_userkubecontext SET context_name = 'c'")
        )
        self.assert_replaces(CONTEXT, lambda: UserKubeContext.objects.all().delete())

    def test_the_versions_are_the_databases_own_with_a_process_local_cache(self) -> None:
        self.assertEqual(policy_version(), database_version(POLICY))

    def test_a_worker_keeps_its_policy_while_the_version_is_unchanged_and_reads_an_edit_at_once(self) -> None:
        worker = PolicySource(lambda: CONFIG)
        self.assertFalse(worker.current().dry_run)
        with self.assertNumQueries(1):  # the version alone
            self.assertFalse(worker.current().dry_run)
        on_another_connection(
            "INSERT INTO k8stools_policysettings (id, dry_run, updated_at) VALUES (1, TRUE, '2026-12-08')"
        )
        self.assertTrue(worker.current().dry_run)
        self.assertEqual(worker.current().restricted_namespaces, {"kube-system"})

    def test_a_callers_context_is_kept_while_the_version_is_unchanged_and_read_again_after_a_change(self) -> None:
        contexts = ChosenContexts()
        self.assertEqual(contexts.get("alice"), "")
        UserKubeContext.objects.create(user_key="alice", context_name="staging")
        self.assertEqual(contexts.get("alice"), "staging")
        with self.assertNumQueries(1):
            self.assertEqual(contexts.get("alice"), "staging")
        on_another_connection("DELETE FROM k8stools_userkubecontext")
        self.assertEqual(contexts.get("alice"), "")

    def test_a_flushed_version_table_gets_a_fresh_version(self) -> None:
        before = database_version(POLICY)
        on_another_connection("DELETE FROM k8stools_sharedversion")
        after = database_version(POLICY)
        self.assertIsNotNone(after)
        self.assertNotEqual(after, before)


class CrossProcessFreshnessTests(LiveServerTestCase):
    """The test process, a `manage.py` command and a second server write; the server sees it at its next call."""

    seed = {"pods": 3, "namespaces": 1}
    extra_contexts = ("staging",)

    def policy_by_a_command(self, statement: str) -> None:
        """`statement` run by `manage.py shell` in a process of its own, as an operator would."""
        code = f"from k8stools.models import PolicySettings; {statement}"
        env = server_environment(KUBECONFIG=self.kubeconfig, DATA_DIR=self._tmp)
        command = [sys.executable, "manage.py", "shell", "-c", code]
        subprocess.run(command, cwd=BASE_DIR, env=env, check=True, capture_output=True, timeout=120)

    def test_a_policy_edit_in_another_process_applies_at_the_servers_next_call(self) -> None:
        for _ in range(3):  # the server now holds a copy
            self.text("list", resourceType="pods", namespace="shop")
        policy_update(changes={"restricted_namespaces": ["shop"]}, username="alice")  # the admin's path
        self.assertIn('namespace "shop" is restricted', self.error("list", resourceType="pods", namespace="shop"))
        # A bulk update in a command: no signal, no cache, only the database knows.
        self.policy_by_a_command("PolicySettings.objects.update(restricted_namespaces=None)")
        self.text("list", resourceType="pods", namespace="shop")

    def test_a_context_chosen_through_one_server_is_the_others_at_its_next_call(self) -> None:
        other = LiveServer(env=self.server.env)
        other.start()
        self.addCleanup(other.stop)

        def current(server: LiveServer) -> str:
            async def go() -> str:
                from tests.live import mcp_client

                async with mcp_client(server.mcp_url) as client:
                    result = await client.call_tool("context_get_current", {})
                    return "".join(getattr(block, "text", "") for block in result.content)

            from tests.live import run

            return str(run(go())).split()[0]

        self.assertEqual(current(other), "fake")
        self.assertEqual(current(self.server), "fake")
        self.text("context_use", contextName="staging")
        self.assertEqual(current(other), "staging")
        self.assertEqual(current(self.server), "staging")
