"""The shared policy version: two workers' policy readers (each a `PolicySource`) over one Redis keep their copy
until an edit commits, then both read the edit on their very next call. With a process-local cache the version is
the database's own: tests/admin/test_shared_versions.py."""

from __future__ import annotations

import contextlib

from django.test import TestCase, override_settings

from k8stools.config import ServerConfig
from k8stools.models import PolicySettings
from k8stools.policy import PolicySource
from k8stools.policy_store import policy_update, policy_version
from tests.multiworker.backends import redis_url

CONFIG = ServerConfig(restricted_namespaces={"kube-system"})


class SharedVersionTests(TestCase):
    def setUp(self) -> None:
        stack = contextlib.ExitStack()
        self.addCleanup(stack.close)
        shared = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url(stack)}
        stack.enter_context(override_settings(CACHES={"default": shared}))
        self.workers = [PolicySource(lambda: CONFIG), PolicySource(lambda: CONFIG)]

    def test_a_worker_keeps_its_copy_while_the_version_is_unchanged(self) -> None:
        for worker in self.workers:
            worker.current()
        with self.assertNumQueries(0):
            for worker in self.workers:
                self.assertEqual(worker.current().restricted_namespaces, {"kube-system"})

    def test_an_edit_reaches_every_worker_on_its_next_call(self) -> None:
        for worker in self.workers:
            self.assertFalse(worker.current().dry_run)
        before = policy_version()
        with self.captureOnCommitCallbacks(execute=True):
            policy_update(changes={"dry_run": True}, username="alice")
        self.assertNotEqual(policy_version(), before)
        for worker in self.workers:
            policy = worker.current()
            self.assertTrue(policy.dry_run)
            self.assertEqual(policy.restricted_namespaces, {"kube-system"})  # still inherited

    def test_a_row_written_outside_the_admin_also_bumps_the_version(self) -> None:
        self.workers[0].current()
        with self.captureOnCommitCallbacks(execute=True):
            PolicySettings.objects.create(restricted_namespaces=[])
        self.assertEqual(self.workers[0].current().restricted_namespaces, frozenset())

    def test_an_edit_not_yet_committed_does_not_bump_the_version(self) -> None:
        before = policy_version()
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            policy_update(changes={"dry_run": True}, username="alice")
        self.assertEqual(policy_version(), before)
        self.assertEqual(len(callbacks), 1)
