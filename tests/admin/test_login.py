from __future__ import annotations

from django.test import override_settings

from tests.admin.base import AdminTestCase


class AdminLoginTests(AdminTestCase):
    def test_staff_log_in_with_a_local_password(self) -> None:
        response = self.client.post(
            "/admin/login/?next=/admin/", {"username": "bob", "password": "pw-bob-1234", "next": "/admin/"}
        )
        self.assertRedirects(response, "/admin/")
        self.assertContains(self.client.get("/admin/"), "Dashboard")

    def test_a_user_without_staff_status_cannot_log_in(self) -> None:
        response = self.client.post("/admin/login/", {"username": "charlie", "password": "pw-charlie-1234"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Please enter the correct username and password for a staff account")

    def test_without_oauth_there_is_no_identity_provider_link(self) -> None:
        self.assertNotContains(self.client.get("/admin/login/"), 'id="oidc-login"')

    @override_settings(ROOT_URLCONF="tests.admin.oidc_urls")
    def test_with_oauth_the_login_page_offers_the_identity_provider(self) -> None:
        response = self.client.get("/admin/login/?next=/admin/")
        self.assertContains(response, 'href="/oidc/authenticate/?next=/admin/"')
