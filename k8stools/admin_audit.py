"""The audit trail in the admin: a list that fits a laptop screen, a detail page with everything a record holds,
and the filtered list exported as CSV or JSON Lines for a SIEM (streamed, and bounded by `EXPORT_LIMIT`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html

from k8stools.models import AuditRecord
from staffaccess import StaffReadOnly

EXPORT_LIMIT = 100_000
EXPORT_FIELDS = (
    "time",
    "request_id",
    "user",
    "identity",
    "tool",
    "operation",
    "outcome",
    "dry_run",
    "context",
    "namespace",
    "kind",
    "name",
    "duration_ms",
    "message",
    "arguments",
)
DETAIL_FIELDS = (
    "time",
    "request_id",
    "user",
    "identity",
    "context_shown",
    "target",
    "tool",
    "operation",
    "outcome_words",
    "duration",
    "message",
    "pretty_arguments",
)
OUTCOME_WORDS = {"ok": "ok", "error": "error", "denied": "denied", "declined": "declined by the person"}
# Spreadsheets run a cell that starts with one of these as a formula: exported text must not.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def when(record: AuditRecord) -> str:
    """The time of a call with seconds and time zone, in the server's time zone."""
    return timezone.localtime(record.created).strftime("%Y-%m-%d %H:%M:%S %Z")


def target_of(record: AuditRecord) -> str:
    return "/".join(part for part in (record.namespace, record.kind, record.name) if part) or "-"


def export_row(record: AuditRecord) -> dict[str, Any]:
    """One record as EXPORT_FIELDS name it: the model's fields, with the time as ISO 8601."""
    row = {name: getattr(record, name) for name in EXPORT_FIELDS if name != "time"}
    return {"time": record.created.isoformat(), **row, "duration_ms": round(record.duration_ms, 3)}


class _Line:
    """A file-like target for csv.writer that hands back the line just written."""

    def write(self, value: str) -> str:
        return value


def csv_lines(records: Iterator[AuditRecord]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(EXPORT_FIELDS)
    for record in records:
        row = export_row(record)
        row["arguments"] = json.dumps(row["arguments"], sort_keys=True)
        yield writer.writerow([_cell(row[name]) for name in EXPORT_FIELDS])


def jsonl_lines(records: Iterator[AuditRecord]) -> Iterator[str]:
    for record in records:
        yield json.dumps(export_row(record), sort_keys=True) + "\n"


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@admin.register(AuditRecord)
class AuditRecordAdmin(StaffReadOnly, admin.ModelAdmin):
    list_display = ["time", "user", "tool", "outcome_words", "target", "duration", "short_message"]
    list_display_links = ["time"]
    list_filter = ["outcome", "tool", "dry_run", "created"]
    search_fields = ["user", "identity", "tool", "namespace", "kind", "name", "message", "request_id"]
    date_hierarchy = "created"
    list_per_page = 100
    show_full_result_count = False
    change_list_template = "admin/k8stools/auditrecord/change_list.html"
    fields = DETAIL_FIELDS
    readonly_fields = DETAIL_FIELDS

    @admin.display(description="time", ordering="created")
    def time(self, record: AuditRecord) -> str:
        return when(record)

    @admin.display(description="outcome", ordering="outcome")
    def outcome_words(self, record: AuditRecord) -> str:
        # The word carries the meaning; the colour is a hint only.
        dry_run = format_html(' <span class="dry-run">dry run</span>') if record.dry_run else ""
        return format_html(
            '<span class="status status-{}">{}</span>{}',
            record.outcome,
            OUTCOME_WORDS.get(record.outcome, record.outcome),
            dry_run,
        )

    @admin.display(description="target")
    def target(self, record: AuditRecord) -> str:
        return target_of(record)

    @admin.display(description="duration", ordering="duration_ms")
    def duration(self, record: AuditRecord) -> str:
        return f"{record.duration_ms:.1f} ms"

    @admin.display(description="message")
    def short_message(self, record: AuditRecord) -> str:
        return format_html('<span class="message" title="{}">{}</span>', record.message, record.message)

    @admin.display(description="context")
    def context_shown(self, record: AuditRecord) -> str:
        return record.context or "(not recorded)"

    @admin.display(description="arguments (secrets removed)")
    def pretty_arguments(self, record: AuditRecord) -> str:
        return format_html("<pre>{}</pre>", json.dumps(record.arguments, indent=2, sort_keys=True))

    def get_urls(self) -> list[URLPattern]:
        export = self.admin_site.admin_view(self.export_view)
        return [
            path("export.<str:form>", export, name="k8stools_auditrecord_export"),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest, form: str) -> HttpResponseBase:
        """The list as filtered on the page, in time order, as CSV or JSON Lines; at most EXPORT_LIMIT records."""
        if not self.has_view_permission(request):
            return HttpResponse("staff only", status=403, content_type="text/plain")
        if form not in ("csv", "jsonl"):
            return HttpResponseBadRequest("export as .csv or .jsonl", content_type="text/plain")
        try:
            records = self.filtered(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("the filter is not valid for the audit list", content_type="text/plain")
        rows = records.order_by("-created", "-id")[:EXPORT_LIMIT].iterator(chunk_size=1000)
        lines = csv_lines(rows) if form == "csv" else jsonl_lines(rows)
        media = "text/csv" if form == "csv" else "application/x-ndjson"
        response = StreamingHttpResponse(lines, content_type=f"{media}; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{form}"'
        response["X-Export-Limit"] = str(EXPORT_LIMIT)
        return response

    def filtered(self, request: HttpRequest) -> QuerySet[AuditRecord]:
        """The records the list page shows for the same query string (filters, search, date drill-down)."""
        return self.get_changelist_instance(request).get_queryset(request)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        query = request.GET.urlencode()
        context = {
            "title": "Audit log",
            **(extra_context or {}),
            "export_query": f"?{query}" if query else "",
            "export_limit": EXPORT_LIMIT,
        }
        return super().changelist_view(request, context)
