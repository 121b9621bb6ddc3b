from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from k8stools.models import AuditRecord
from mcpsite import figures
from tests.admin.base import AdminTestCase, OwnMetrics

URL = "/admin/dashboard/"


def call(tool: str, outcome: str, duration_ms: float, *, hours_ago: float = 0) -> None:
    record = AuditRecord.objects.create(
        user="dana", tool=tool, operation=tool, outcome=outcome, duration_ms=duration_ms
    )
    AuditRecord.objects.filter(pk=record.pk).update(created=timezone.now() - timedelta(hours=hours_ago))


class DashboardTests(OwnMetrics, AdminTestCase):
    def setUp(self) -> None:
        cache.clear()
        super().setUp()

    def test_it_shows_calls_latency_denials_and_a_chart_to_staff(self) -> None:
        for duration in range(1, 21):  # 1..20 ms
            call("get", "ok", float(duration))
        call("delete", "denied", 2.0, hours_ago=3)
        call("list", "error", 5.0, hours_ago=30)  # outside the window
        self.metrics.increment("rate_limited_total", limit="ip")
        self.client.force_login(self.bob)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<td id="total-calls">21</td>', html=True)
        self.assertContains(response, '<td id="denied-calls">1</td>', html=True)
        self.assertContains(response, "10.0 ms / 19.0 ms")
        self.assertContains(response, "limit=ip: 1")
        chart = response.context["chart"]
        self.assertIn("20 calls, 0 errors", chart)
        self.assertIn("1 calls, 1 errors", chart)
        self.assertNotIn("<script", chart)

    def test_the_admin_index_links_to_it(self) -> None:
        self.client.force_login(self.bob)
        self.assertContains(self.client.get("/admin/"), f'href="{URL}"')

    def test_users_without_staff_status_are_sent_to_log_in(self) -> None:
        self.client.force_login(self.charlie)
        self.assertRedirects(self.client.get(URL), f"/admin/login/?next={URL}")
        self.client.logout()
        self.assertRedirects(self.client.get(URL), f"/admin/login/?next={URL}")

    def test_hours_without_calls_are_empty_buckets(self) -> None:
        call("get", "ok", 1.0, hours_ago=5)
        data = figures.collect()
        self.assertEqual(len(data.hours), 24)
        self.assertEqual(sum(bucket.calls for bucket in data.hours), 1)
        self.assertEqual(figures.percentile([], 0.5), None)
        self.assertEqual(figures.percentile([1.0, 2.0, 3.0, 4.0], 0.95), 4.0)
