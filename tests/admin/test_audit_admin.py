from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from django.utils import timezone

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
        with self.assertNumQueries(9):  # session, user, permissions, count, page, dates, filter choices
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

    def test_the_list_shows_seconds_and_time_zone_outcomes_in_words_and_dry_run_only_where_it_was(self) -> None:
        record(tool="scale", outcome="ok", dry_run=True, name="web")
        record(tool="get", outcome="denied", name="db")
        self.client.force_login(self.bob)
        page = self.client.get(URL).content.decode()
        self.assertRegex(page, r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
        self.assertIn('<span class="status status-denied">denied</span>', page)
        self.assertIn('<span class="status status-ok">ok</span> <span class="dry-run">dry run</span>', page)
        self.assertEqual(page.count("dry run</span>"), 1)
        self.assertNotIn("icon-no.svg", page)

    def test_the_detail_page_shows_time_request_id_context_target_arguments_and_duration(self) -> None:
        entry = record(
            context="prod-eu",
            namespace="shop",
            kind="deployments",
            name="web",
            request_id="req-42",
            outcome="error",
            message='deployments.apps "web" not found',
            duration_ms=12.345,
            arguments={"name": "web", "token": "[removed]"},
        )
        self.client.force_login(self.bob)
        response = self.client.get(f"{URL}{entry.pk}/change/")
        self.assertContains(response, timezone.localtime(entry.created).strftime("%Y-%m-%d %H:%M:%S UTC"))
        for text in ("req-42", "prod-eu", "shop/deployments/web", "12.3 ms", "not found", "&quot;[removed]&quot;"):
            self.assertContains(response, text)
        self.assertContains(response, '<span class="status status-error">error</span>', html=True)

    def test_it_exports_the_filtered_list_as_csv_and_json_lines(self) -> None:
        record(user="dana", outcome="denied", name="db", message="=HYPERLINK(evil)")
        record(user="erin", outcome="ok", name="cache")
        self.client.force_login(self.bob)
        response = self.client.get(URL + "export.csv", {"outcome": "denied"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.streaming)
        self.assertIn("attachment;", response["Content-Disposition"])
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        self.assertEqual([(row["user"], row["name"]) for row in rows], [("dana", "db")])
        self.assertEqual(rows[0]["message"], "'=HYPERLINK(evil)")  # not a formula in a spreadsheet
        response = self.client.get(URL + "export.jsonl", {"q": "cache"})
        lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
        self.assertEqual([(line["user"], line["outcome"]) for line in lines], [("erin", "ok")])
        self.assertEqual(response["Content-Type"], "application/x-ndjson; charset=utf-8")

    def test_the_list_page_links_its_filter_to_the_export(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(URL, {"outcome": "denied"})
        self.assertContains(response, 'href="/admin/k8stools/auditrecord/export.csv?outcome=denied"')
        self.assertContains(response, 'href="/admin/k8stools/auditrecord/export.jsonl?outcome=denied"')

    def test_the_export_follows_a_time_window_from_the_dashboard(self) -> None:
        old = record(name="old")
        AuditRecord.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=2))
        record(name="new")
        self.client.force_login(self.bob)
        since = (timezone.now() - timedelta(days=1)).isoformat()
        response = self.client.get(URL + "export.jsonl", {"created__gte": since})
        names = [json.loads(line)["name"] for line in b"".join(response.streaming_content).decode().splitlines()]
        self.assertEqual(names, ["new"])

    def test_the_export_refuses_an_unknown_form_and_a_bad_filter_and_non_staff(self) -> None:
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(URL + "export.xml").status_code, 400)
        self.assertEqual(self.client.get(URL + "export.csv", {"created__gte": "yesterday"}).status_code, 400)
        self.client.force_login(self.charlie)
        self.assertRedirects(self.client.get(URL + "export.csv"), f"/admin/login/?next={URL}export.csv")
