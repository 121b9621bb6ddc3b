"""`/metrics` in the Prometheus text format: the shared counters and the audit trail's figures,
read by a custom collector so every worker answers the same. Only for a scraper holding
`METRICS_TOKEN` or connecting from `METRICS_ALLOWED_NETWORKS` (loopback by default)."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from k8stools.context import get_server_context
from mcpsite import figures

PREFIX = "kubemcp_"


class FiguresCollector:
    """Counters from the shared store, plus gauges counted in the database at scrape time."""

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Any] = {}
        for (name, labels), value in sorted(get_server_context().metrics.series().items()):
            family = families.get(name)
            if family is None:
                label_names = [key for key, _ in labels]
                if name.endswith("_total"):
                    family = CounterMetricFamily(PREFIX + name, name.replace("_", " "), labels=label_names)
                else:
                    family = GaugeMetricFamily(PREFIX + name, name.replace("_", " "), labels=label_names)
                families[name] = family
            family.add_metric([val for _, val in labels], value)
        yield from families.values()

        data = figures.collect()
        latency = GaugeMetricFamily(
            PREFIX + "tool_call_latency_seconds", "Tool call latency over the last 24 hours", labels=["quantile"]
        )
        for quantile, milliseconds in (("0.5", data.latency_p50), ("0.95", data.latency_p95)):
            if milliseconds is not None:
                latency.add_metric([quantile], milliseconds / 1000)
        yield latency
        recent = GaugeMetricFamily(
            PREFIX + "audited_tool_calls_24h", "Audited tool calls in the last 24 hours", labels=["tool", "outcome"]
        )
        for row in data.calls:
            recent.add_metric([str(row["tool"]), str(row["outcome"])], float(row["count"]))  # type: ignore[arg-type]
        yield recent
        yield GaugeMetricFamily(PREFIX + "oauth_clients", "Registered OAuth clients", value=data.clients)
        yield GaugeMetricFamily(PREFIX + "oauth_active_tokens", "Unexpired access tokens", value=data.active_tokens)
        yield GaugeMetricFamily(
            PREFIX + "port_forward_sessions_live", "Live port-forward sessions (database)", value=data.active_sessions
        )


def _allowed(request: HttpRequest) -> int:
    """200 when the scraper may read, else the status to answer (401 without credentials, 403 from elsewhere)."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return 200 if hmac.compare_digest(header[7:].encode(), token.encode()) else 401
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return 403
    if any(address in network for network in settings.METRICS_ALLOWED_NETWORKS):
        return 200
    return 401 if token else 403


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    status = _allowed(request)
    if status == 401:
        response = HttpResponse("a valid bearer token is required\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if status == 403:
        return HttpResponse("metrics are not served to this address\n", status=403, content_type="text/plain")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FiguresCollector())  # type: ignore[arg-type]
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
