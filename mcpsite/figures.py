"""The figures of the admin dashboard and /metrics, read from places every worker shares: the audit
trail in the database (calls, latency, hourly charts) and the counters in the shared cache."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncHour
from django.utils import timezone
from oauth2_provider.models import get_application_model

from k8stools.context import get_server_context
from k8stools.models import AuditRecord, PortForwardSession
from oauthgw.models import user_access_tokens

WINDOW = timedelta(hours=24)
TOP_USERS = 8


@dataclass
class HourBucket:
    start: datetime
    calls: int = 0
    errors: int = 0
    denied: int = 0


@dataclass
class ToolRow:
    """One tool over the window: counts per outcome and latency percentiles (milliseconds)."""

    tool: str
    ok: int = 0
    error: int = 0
    denied: int = 0
    p50: float | None = None
    p95: float | None = None

    @property
    def total(self) -> int:
        return self.ok + self.error + self.denied


@dataclass
class UserRow:
    user: str
    calls: int
    errors: int
    denied: int


@dataclass
class Figures:
    calls: Sequence[Mapping[str, object]]  # tool, outcome, count over the window
    latency: Sequence[Mapping[str, object]]  # tool, p50, p95 (milliseconds)
    latency_p50: float | None
    latency_p95: float | None
    denied: int
    hours: list[HourBucket]
    since: datetime | None = None
    tools: list[ToolRow] = field(default_factory=list)
    users: list[UserRow] = field(default_factory=list)
    counters: dict[str, dict[str, float]] = field(default_factory=dict)  # metric -> label text -> value
    clients: int = 0
    active_tokens: int = 0
    active_sessions: int = 0

    @property
    def total_calls(self) -> int:
        return sum(int(row["count"]) for row in self.calls)  # type: ignore[call-overload]

    @property
    def errors(self) -> int:
        return sum(int(row["count"]) for row in self.calls if row["outcome"] == AuditRecord.Outcome.ERROR)  # type: ignore[call-overload]


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of values already sorted; None without values."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def collect(now: datetime | None = None) -> Figures:
    now = now or timezone.now()
    since = now - WINDOW
    recent = AuditRecord.objects.filter(created__gte=since).exclude(tool__startswith="admin:")
    calls = list(recent.values("tool", "outcome").annotate(count=Count("id")).order_by("tool", "outcome"))

    durations: dict[str, list[float]] = defaultdict(list)
    for tool, duration in recent.values_list("tool", "duration_ms").iterator():
        durations[tool].append(duration)
    everything = sorted(value for values in durations.values() for value in values)
    latency = []
    for tool in sorted(durations):
        values = sorted(durations[tool])
        latency.append({"tool": tool, "p50": percentile(values, 0.5), "p95": percentile(values, 0.95)})

    first_hour = (now - WINDOW + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    hours = [HourBucket(first_hour + timedelta(hours=index)) for index in range(24)]
    by_start = {bucket.start: bucket for bucket in hours}
    per_hour = (
        recent.filter(created__gte=first_hour)
        .annotate(hour=TruncHour("created"))
        .values("hour")
        .annotate(
            calls=Count("id"),
            errors=Count("id", filter=Q(outcome=AuditRecord.Outcome.ERROR)),
            denied=Count("id", filter=Q(outcome=AuditRecord.Outcome.DENIED)),
        )
    )
    for hour in per_hour:
        bucket = by_start.get(hour["hour"])
        if bucket is not None:
            bucket.calls, bucket.errors, bucket.denied = hour["calls"], hour["errors"], hour["denied"]

    tools = {tool: ToolRow(tool) for tool in sorted({str(row["tool"]) for row in calls})}
    for row in calls:
        setattr(tools[str(row["tool"])], str(row["outcome"]), int(row["count"]))  # type: ignore[call-overload]
    for entry in latency:
        tool_row = tools[str(entry["tool"])]
        tool_row.p50, tool_row.p95 = entry["p50"], entry["p95"]  # type: ignore[assignment]
    users = [
        UserRow(user=row["user"], calls=row["calls"], errors=row["errors"], denied=row["denied"])
        for row in recent.values("user")
        .annotate(
            calls=Count("id"),
            errors=Count("id", filter=Q(outcome=AuditRecord.Outcome.ERROR)),
            denied=Count("id", filter=Q(outcome=AuditRecord.Outcome.DENIED)),
        )
        .order_by("-calls", "user")[:TOP_USERS]
    ]

    counters: dict[str, dict[str, float]] = defaultdict(dict)
    for (name, labels), value in get_server_context().metrics.series().items():
        counters[name][", ".join(f"{key}={val}" for key, val in labels) or "all"] = value

    return Figures(
        calls=calls,
        latency=latency,
        latency_p50=percentile(everything, 0.5),
        latency_p95=percentile(everything, 0.95),
        denied=sum(int(row["count"]) for row in calls if row["outcome"] == AuditRecord.Outcome.DENIED),
        hours=hours,
        since=since,
        tools=list(tools.values()),
        users=users,
        counters=dict(counters),
        clients=get_application_model().objects.count(),
        active_tokens=user_access_tokens().filter(expires__gt=now).count(),
        active_sessions=PortForwardSession.objects.live().count(),
    )
