"""The cast of the admin tests: `alice` the superuser, `bob` staff, `charlie` with no access."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.test import TestCase

from k8stools.context import ServerContext, get_server_context, set_server_context
from k8stools.metrics import CacheCounterStore, Metrics


class AdminTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        User = get_user_model()
        cls.alice = User.objects.create_superuser("alice", "alice@example.com", "pw-alice-1234")
        cls.bob = User.objects.create_user("bob", "bob@example.com", "pw-bob-1234", is_staff=True)
        cls.charlie = User.objects.create_user("charlie", "charlie@example.com", "pw-charlie-1234")


class OwnMetrics:
    """A mixin giving the test a server context whose counters no other test has touched."""

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        previous = get_server_context()
        self.metrics = Metrics(CacheCounterStore(prefix=f"test:{uuid.uuid4().hex}:"))
        set_server_context(ServerContext(config=previous.config, metrics=self.metrics))
        self.addCleanup(set_server_context, previous)  # type: ignore[attr-defined]
