"""Failed admin sign-ins are limited per account and per address (issue #24: 39 wrong passwords, then the
right one, in 24 s, never a 429). Through the real admin login view and middleware stack."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import TestCase, override_settings

from k8stools.models import AuditRecord

LOGIN = "/admin/login/?next=/admin/"


@override_settings(
    ADMIN_LOGIN_FAILURES_PER_ACCOUNT="5/15m",
    ADMIN_LOGIN_FAILURES_PER_IP="8/15m",
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],  # the counts matter here, not the cost
)
class AdminLoginThrottleTest(TestCase):
    def setUp(self) -> None:
        cache.clear()
        self.addCleanup(cache.clear)
        get_user_model().objects.create_superuser("root", "root@example.com", "the-right-password")

    def sign_in(self, username: str, password: str, address: str = "198.51.100.7") -> int:
        response = self.client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)
        return response.status_code

    def test_after_five_wrong_passwords_even_the_right_one_is_refused_with_a_clear_429(self) -> None:
        self.assertEqual([self.sign_in("root", f"wrong-{n}") for n in range(5)], [200] * 5)
        response = self.client.post(LOGIN, {"username": "root", "password": "the-right-password"},
                                    REMOTE_ADDR="198.51.100.7")  # fmt: skip
        self.assertEqual(response.status_code, 429)
        self.assertGreater(int(response["Retry-After"]), 0)
        self.assertContains(response, "Too many failed sign-ins for this account", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)
        record = AuditRecord.objects.get(tool="admin_login")
        self.assertEqual((record.user, record.outcome, record.arguments["limited_by"]), ("root", "denied", "account"))

    def test_the_account_budget_holds_from_any_address_and_in_any_case(self) -> None:
        for n in range(5):
            self.sign_in("ROOT" if n % 2 else "root", "wrong", address=f"203.0.113.{n}")
        self.assertEqual(self.sign_in("Root", "the-right-password", address="203.0.113.99"), 429)

    def test_the_address_budget_counts_failures_for_every_account(self) -> None:
        for n in range(8):
            self.sign_in(f"guess-{n}", "wrong")
        self.assertEqual(self.sign_in("root", "the-right-password"), 429)
        # Another address still signs in.
        self.assertEqual(self.sign_in("root", "the-right-password", address="198.51.100.8"), 302)

    def test_a_right_password_within_the_budget_signs_in(self) -> None:
        self.assertEqual([self.sign_in("root", "wrong") for _ in range(4)], [200] * 4)
        self.assertEqual(self.sign_in("root", "the-right-password"), 302)
        self.assertIn("_auth_user_id", self.client.session)
