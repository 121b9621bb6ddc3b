"""The cast of the admin tests: `alice` the superuser, `bob` staff, `charlie` with no access."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import TestCase


class AdminTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        User = get_user_model()
        cls.alice = User.objects.create_superuser("alice", "alice@example.com", "pw-alice-1234")
        cls.bob = User.objects.create_user("bob", "bob@example.com", "pw-bob-1234", is_staff=True)
        cls.charlie = User.objects.create_user("charlie", "charlie@example.com", "pw-charlie-1234")
