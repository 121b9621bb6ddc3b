"""The admin dashboard: the state of the server (cluster, version, uptime, health, policy in force) above the
figures of the last 24 hours (calls, errors and denials per hour, per tool and per user, port-forwards, auth and
rate-limit counters). Charts are SVG drawn on the server (no JavaScript, nothing from a CDN); every count links
to the audit list filtered to the calls it counts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from mcpsite import figures, server_status

CHART_WIDTH, CHART_HEIGHT, AXIS, LEFT = 960, 200, 34, 40
SERIES = (("calls", "#79aec8"), ("errors", "#ba2121"), ("denied", "#c77c00"))


def audit_url(
    filters: Mapping[str, str] | None = None, *, since: datetime | None = None, until: datetime | None = None
) -> str:
    """The audit list filtered to some calls: by tool, outcome or user, and by time."""
    query: dict[str, str] = dict(filters or {})
    if since is not None:
        query["created__gte"] = since.isoformat()
    if until is not None:
        query["created__lt"] = until.isoformat()
    return reverse("admin:k8stools_auditrecord_changelist") + ("?" + urlencode(query) if query else "")


def hourly_chart(hours: list[figures.HourBucket], *, title: str) -> SafeString:
    """Bars of calls per hour with errors and denials stacked inside; a bar links to that hour's audit records."""
    peak = max((bucket.calls for bucket in hours), default=0) or 1
    width = CHART_WIDTH - LEFT
    slot = width / max(len(hours), 1)
    plot = CHART_HEIGHT - AXIS

    def height(count: int) -> float:
        return plot * count / peak

    rows = []
    for index, bucket in enumerate(hours):
        x = LEFT + index * slot + 2
        calls, errors, denied = height(bucket.calls), height(bucket.errors), height(bucket.denied)
        rows.append(
            (
                audit_url(since=bucket.start, until=bucket.start + timedelta(hours=1)),
                f"{bucket.start:%H:00} UTC: {bucket.calls} calls, {bucket.errors} errors, {bucket.denied} denied",
                *(f"{x:.1f}", f"{plot - calls:.1f}", f"{slot - 4:.1f}", f"{calls:.1f}"),
                *(f"{x:.1f}", f"{plot - errors:.1f}", f"{slot - 4:.1f}", f"{errors:.1f}"),
                *(f"{x:.1f}", f"{plot - errors - denied:.1f}", f"{slot - 4:.1f}", f"{denied:.1f}"),
            )
        )
    colours = dict(SERIES)
    bars = format_html_join(
        "",
        '<a href="{}"><title>{}</title>'
        f'<rect class="calls" x="{{}}" y="{{}}" width="{{}}" height="{{}}" fill="{colours["calls"]}"/>'
        f'<rect class="errors" x="{{}}" y="{{}}" width="{{}}" height="{{}}" fill="{colours["errors"]}"/>'
        f'<rect class="denied" x="{{}}" y="{{}}" width="{{}}" height="{{}}" fill="{colours["denied"]}"/></a>',
        rows,
    )
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#333">{}</text>',
        (
            (f"{LEFT + index * slot + slot / 2:.1f}", plot + 14, bucket.start.strftime("%H:00"))
            for index, bucket in enumerate(hours)
            if index % 3 == 0
        ),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="group" aria-labelledby="chart-title" class="hourly-chart" '
        'viewBox="0 0 {} {}" preserveAspectRatio="xMinYMin meet"><title id="chart-title">{}</title>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#666"/><line x1="{}" y1="0" x2="{}" y2="{}" stroke="#666"/>'
        '<text x="{}" y="12" font-size="11" text-anchor="end" fill="#333">{}</text>'
        '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#333">0</text>'
        '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#333">hour (UTC)</text>{}{}</svg>',
        CHART_WIDTH,
        CHART_HEIGHT,
        title,
        LEFT,
        plot,
        CHART_WIDTH,
        plot,
        LEFT,
        LEFT,
        plot,
        LEFT - 4,
        peak,
        LEFT - 4,
        plot,
        LEFT + width / 2,
        CHART_HEIGHT - 4,
        bars,
        labels,
    )


def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard page; admin_view (in urls) admits active staff only."""
    data = figures.collect()
    since = data.since.replace(microsecond=0) if data.since else None

    def link(filters: Mapping[str, str] | None = None) -> str:
        return audit_url(filters, since=since)

    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": "Dashboard",
        "uptime": server_status.uptime(),
        "started_at": server_status.started_at(),
        "health": server_status.health(),
        "policy_fields": server_status.policy(),
        "figures": data,
        "series": SERIES,
        "chart": hourly_chart(data.hours, title="Tool calls, errors and denied calls per hour, last 24 hours"),
        "links": {
            "all": link(),
            "errors": link({"outcome": "error"}),
            "denied": link({"outcome": "denied"}),
            "clients": reverse("admin:oauth2_provider_application_changelist"),
            "tokens": reverse("admin:oauth2_provider_accesstoken_changelist"),
            "sessions": reverse("admin:k8stools_portforwardsession_changelist") + "?status__exact=active",
        },
        "tool_rows": [
            {
                "row": row,
                "links": {
                    outcome: link({"tool": row.tool, "outcome": outcome}) for outcome in ("ok", "error", "denied")
                },
                "all": link({"tool": row.tool}),
            }
            for row in data.tools
        ],
        "user_rows": [
            {
                "row": row,
                "link": link({"user": row.user}),
                "errors": link({"user": row.user, "outcome": "error"}),
                "denied": link({"user": row.user, "outcome": "denied"}),
            }
            for row in data.users
        ],
        "auth_rows": [
            ("Downstream auth", data.counters.get("downstream_auth_total", {})),
            ("Bearer failures at /mcp", data.counters.get("oauth_auth_failures_total", {})),
            ("Callers without upstream credentials", data.counters.get("bearer_client_failures_total", {})),
            ("Rate-limited requests", data.counters.get("rate_limited_total", {})),
        ],
    }
    return TemplateResponse(request, "admin/dashboard.html", context)


dashboard_view = admin.site.admin_view(dashboard)
