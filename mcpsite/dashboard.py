"""The admin dashboard: tool calls, latency, denials, auth and rate-limit counters, and charts of
calls and errors per hour, drawn as SVG on the server (no JavaScript, nothing from a CDN)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from mcpsite import figures

CHART_WIDTH, CHART_HEIGHT, AXIS = 720, 180, 24


def hourly_chart(hours: list[figures.HourBucket], *, title: str) -> SafeString:
    """Bars of calls (and, inside them, errors) per hour; each bar has a tooltip with its numbers."""
    peak = max((bucket.calls for bucket in hours), default=0) or 1
    slot = CHART_WIDTH / max(len(hours), 1)
    plot = CHART_HEIGHT - AXIS

    def bar(index: int, count: int, css: str) -> tuple[str, str, str, str, str]:
        height = plot * count / peak
        return (f"{index * slot + 2:.1f}", f"{plot - height:.1f}", f"{slot - 4:.1f}", f"{height:.1f}", css)

    bars = format_html_join(
        "",
        "<g><title>{} UTC: {} calls, {} errors</title>"
        '<rect class="calls" x="{}" y="{}" width="{}" height="{}" fill="#79aec8"/>'
        '<rect class="errors" x="{}" y="{}" width="{}" height="{}" fill="#ba2121"/></g>',
        (
            (
                bucket.start.strftime("%H:00"),
                bucket.calls,
                bucket.errors,
                *bar(index, bucket.calls, "")[:4],
                *bar(index, bucket.errors, "")[:4],
            )
            for index, bucket in enumerate(hours)
        ),
    )
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
        (
            (f"{index * slot + slot / 2:.1f}", CHART_HEIGHT - 8, bucket.start.strftime("%H"))
            for index, bucket in enumerate(hours)
            if index % 3 == 0
        ),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" class="hourly-chart" viewBox="0 0 {} {}" '
        'width="{}" height="{}"><title>{}</title>'
        '<line x1="0" y1="{}" x2="{}" y2="{}" stroke="#888"/>'
        '<text x="4" y="12" font-size="11">peak {} calls/hour</text>{}{}</svg>',
        CHART_WIDTH,
        CHART_HEIGHT,
        CHART_WIDTH,
        CHART_HEIGHT,
        title,
        plot,
        CHART_WIDTH,
        plot,
        peak,
        bars,
        labels,
    )


def dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard page; admin_view (in urls) admits active staff only."""
    data = figures.collect()
    context = {
        **admin.site.each_context(request),
        "title": "Dashboard",
        "figures": data,
        "chart": hourly_chart(data.hours, title="Tool calls and errors per hour, last 24 hours"),
        "auth_rows": [
            ("Downstream auth", data.counters.get("downstream_auth_total", {})),
            ("Bearer failures at /mcp", data.counters.get("oauth_auth_failures_total", {})),
            ("Callers without upstream credentials", data.counters.get("bearer_client_failures_total", {})),
            ("Rate-limited requests", data.counters.get("rate_limited_total", {})),
        ],
    }
    return TemplateResponse(request, "admin/dashboard.html", context)


dashboard_view = admin.site.admin_view(dashboard)
