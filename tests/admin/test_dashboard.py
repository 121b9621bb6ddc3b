from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from k8stools.context import ServerContext, get_server_context, set_server_context
from k8stools.models import AuditRecord, PolicySettings
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
        page = response.content.decode()
        self.assertRegex(page, r'<td id="total-calls"><a href="[^"]*">21</a></td>')
        self.assertRegex(page, r'<td id="denied-calls"><a href="[^"]*outcome=denied[^"]*">1</a></td>')
        self.assertContains(response, "10.0 ms / 19.0 ms")
        self.assertContains(response, "limit=ip: 1")
        chart = response.context["chart"]
        self.assertIn("20 calls, 0 errors, 0 denied", chart)
        self.assertIn("1 calls, 0 errors, 1 denied", chart)
        self.assertIn("hour (UTC)", chart)
        self.assertNotIn("<script", chart)
        self.assertContains(response, '<ul class="legend" id="legend">')

    def test_every_count_links_to_the_audit_list_filtered_to_what_it_counts(self) -> None:
        call("get", "ok", 1.0)
        call("get", "error", 1.0)
        call("delete", "denied", 1.0, hours_ago=2)
        call("get", "ok", 1.0, hours_ago=30)  # outside the window
        self.client.force_login(self.bob)
        [row] = [entry for entry in self.client.get(URL).context["tool_rows"] if entry["row"].tool == "get"]
        self.assertEqual((row["row"].ok, row["row"].error, row["row"].denied), (1, 1, 0))
        listed = self.client.get(row["links"]["ok"])
        self.assertEqual(listed.context["cl"].result_count, 1)
        self.assertEqual(self.client.get(row["all"]).context["cl"].result_count, 2)

    def test_it_shows_the_server_its_health_and_the_policy_in_force_with_its_source(self) -> None:
        PolicySettings.objects.create(dry_run=True)
        self.client.force_login(self.bob)
        response = self.client.get(URL)
        self.assertContains(response, '<td id="version">kubemcp ')
        self.assertContains(response, '<td id="demo">real cluster (not the demo)</td>', html=True)
        self.assertContains(response, '<th scope="row">Database</th><td><span class="status status-ok">ok</span>')
        self.assertContains(response, '<th scope="row">Cache</th><td><span class="status status-ok">ok</span>')
        self.assertContains(response, "Kubernetes API")
        self.assertContains(
            response,
            '<tr id="policy-dry_run"><th scope="row">Dry-run mode</th><td class="effective">on</td>'
            '<td class="source">admin override</td><td><code>DRY_RUN</code>: off</td></tr>',
            html=True,
        )
        self.assertContains(
            response,
            '<tr id="policy-non_destructive"><th scope="row">Non-destructive mode</th><td class="effective">on</td>'
            '<td class="source">environment</td><td><code>NON_DESTRUCTIVE</code>: on</td></tr>',
            html=True,
        )

    def test_the_header_names_the_product_and_version(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get("/admin/")
        self.assertNotContains(response, "Django administration")
        self.assertContains(response, '<div id="site-name"><a href="/admin/">kubemcp ')

    def test_the_admin_index_shows_the_server_at_a_glance_and_links_to_it(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get("/admin/")
        self.assertContains(response, f'<a class="button-link" href="{URL}">')
        self.assertContains(response, "The server at a glance")
        self.assertContains(response, "Non-destructive mode")

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

    def test_a_hostile_user_name_is_shown_as_text_and_filtered_exactly(self) -> None:
        hostile = '<script>alert(1)</script>&user=x"'
        AuditRecord.objects.create(user=hostile, tool="get", operation="get", outcome="ok", duration_ms=1.0)
        call("get", "ok", 1.0)
        self.client.force_login(self.bob)
        response = self.client.get(URL)
        self.assertNotContains(response, "<script>alert(1)")
        [row] = [entry for entry in response.context["user_rows"] if entry["row"].user == hostile]
        listed = self.client.get(row["link"])
        self.assertEqual([record.user for record in listed.context["cl"].result_list], [hostile])

    def test_it_says_when_the_server_talks_to_the_demo_cluster(self) -> None:
        demo = ServerContext(config=get_server_context().config.replace(demo=True), metrics=self.metrics)
        set_server_context(demo)
        self.client.force_login(self.bob)
        response = self.client.get(URL)
        self.assertContains(response, "<strong>demo</strong>: a seeded fake cluster, not a real one", html=True)
        self.assertContains(response, "(demo cluster)")  # in the header of every page
