from __future__ import annotations

from k8stools.models import AuditRecord
from tests.admin.base import AdminTestCase

URL = "/admin/k8stools/auditrecord/"


def record(**fields: object) -> AuditRecord:
    values: dict[str, object] = {"user": "dana", "tool": "get", "operation": "get", "outcome": "ok", "duration_ms": 3.0}
    values.update(fields)
    return AuditRecord.objects.create(**values)


class AuditAdminTests(AdminTestCase):
    def test_it_lists_records_in_a_constant_number_of_queries(self) -> None:
        for index in range(30):
            record(name=f"web-{index}", namespace="shop", kind="pods")
        self.client.force_login(self.bob)
        self.client.get(URL)  # warm the session and content types
        with self.assertNumQueries(10):  # session, user, permissions, count, page, dates, filter choices
            response = self.client.get(URL)
        self.assertContains(response, "shop/pods/web-29")

    def test_it_filters_by_outcome_tool_and_user_and_searches(self) -> None:
        record(user="dana", tool="delete", outcome="denied", namespace="shop", name="db")
        record(user="erin", tool="get", outcome="ok", namespace="shop", name="cache")
        self.client.force_login(self.bob)
        response = self.client.get(URL, {"outcome": "denied"})
        self.assertContains(response, "/db")
        self.assertNotContains(response, "/cache")
        response = self.client.get(URL, {"user": "erin", "tool": "get"})
        self.assertContains(response, "/cache")
        self.assertNotContains(response, "/db")
        response = self.client.get(URL, {"q": "cache"})
        self.assertContains(response, "/cache")
        self.assertNotContains(response, "/db")

    def test_nobody_adds_changes_or_deletes_a_record(self) -> None:
        entry = record()
        self.client.force_login(self.alice)
        self.assertEqual(self.client.get(URL + "add/").status_code, 403)
        response = self.client.post(f"{URL}{entry.pk}/change/", {"user": "mallory"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.client.post(f"{URL}{entry.pk}/delete/", {"post": "yes"}).status_code, 403)
        self.assertEqual(AuditRecord.objects.get().user, "dana")

    def test_a_user_without_staff_status_cannot_read_it(self) -> None:
        record()
        self.client.force_login(self.charlie)
        self.assertRedirects(self.client.get(URL), f"/admin/login/?next={URL}")
