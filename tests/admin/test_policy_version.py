"""The policy's version in a team deployment (Redis as the shared cache): two workers' policy readers (each a
`PolicySource`) keep their copy until an edit, then both read it on their very next call, whoever made it and
however. The version is the database's own in every deployment (tests/admin/test_shared_versions.py)."""

from __future__ import annotations

import contextlib

from django.db import transaction
from django.test import TestCase, override_settings

from k8stools.config import ServerConfig
from k8stools.models import PolicySettings
from k8stools.policy import PolicySource
from k8stools.policy_store import policy_update, policy_version
from tests.multiworker.backends import redis_url

CONFIG = ServerConfig(restricted_namespaces={"kube-system"})


class PolicyVersionTests(TestCase):
    def setUp(self) -> None:
        stack = contextlib.ExitStack()
        self.addCleanup(stack.close)
        shared = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url(stack)}
        stack.enter_context(override_settings(CACHES={"default": shared}))
        self.workers = [PolicySource(lambda: CONFIG), PolicySource(lambda: CONFIG)]

    def test_a_worker_reads_only_the_version_while_it_is_unchanged(self) -> None:
        for worker in self.workers:
            worker.current()
        with self.assertNumQueries(len(self.workers)):  # one version read each, not the policy
            for worker in self.workers:
                self.assertEqual(worker.current().restricted_namespaces, {"kube-system"})

    def test_an_edit_reaches_every_worker_on_its_next_call(self) -> None:
        for worker in self.workers:
            self.assertFalse(worker.current().dry_run)
        before = policy_version()
        policy_update(changes={"dry_run": True}, username="alice")
        self.assertNotEqual(policy_version(), before)
        for worker in self.workers:
            policy = worker.current()
            self.assertTrue(policy.dry_run)
            self.assertEqual(policy.restricted_namespaces, {"kube-system"})  # still inherited

    def test_a_bulk_update_that_no_signal_sees_reaches_every_worker(self) -> None:
        # A token in the shared cache, bumped by a save signal, missed this one: the workers kept the old policy.
        policy_update(changes={"dry_run": False}, username="alice")
        for worker in self.workers:
            self.assertFalse(worker.current().dry_run)
        PolicySettings.objects.update(dry_run=True)
        for worker in self.workers:
            self.assertTrue(worker.current().dry_run)

    def test_an_edit_rolled_back_leaves_the_version_and_every_copy_as_they_were(self) -> None:
        for worker in self.workers:
            self.assertFalse(worker.current().dry_run)
        before = policy_version()
        with contextlib.suppress(RuntimeError), transaction.atomic():
            policy_update(changes={"dry_run": True}, username="alice")
            raise RuntimeError("the save fails after the write")
        self.assertEqual(policy_version(), before)
        for worker in self.workers:
            self.assertFalse(worker.current().dry_run)
