"""Deterministic, realistic log lines for pods whose tests did not set any.

The content of line `n` depends only on the namespace, pod and container names and `n`,
so a pod's logs read the same in every run; only the timestamps follow the clock.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

_PATHS = [
    "/",
    "/index.html",
    "/healthz",
    "/api/v1/orders",
    "/api/v1/orders/{id}",
    "/api/v1/users/{id}",
    "/static/app.js",
    "/static/style.css",
    "/metrics",
    "/api/v1/cart",
    "/login",
    "/favicon.ico",
]
_METHODS = ["GET"] * 8 + ["POST"] * 2 + ["PUT", "DELETE"]
_STATUSES = [200] * 30 + [201, 204, 301, 304, 304, 400, 401, 404, 404, 500, 503]
_AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "kube-probe/1.30",
    "curl/8.5.0",
    "Go-http-client/1.1",
    "python-requests/2.31.0",
    "Prometheus/2.48.1",
]
_APP_EVENTS = [
    ("INFO", "http", "request completed"),
    ("INFO", "http", "request completed"),
    ("INFO", "http", "request completed"),
    ("DEBUG", "cache", "cache hit"),
    ("INFO", "worker", "job processed"),
    ("WARN", "db", "slow query"),
    ("INFO", "health", "readiness check passed"),
    ("ERROR", "payments", "upstream timeout"),
]

INITIAL_LINES = 200
INITIAL_SPAN = timedelta(hours=1)


class LineGenerator:
    """Produces line `n` of a container's log in the style its image suggests."""

    def __init__(self, namespace: str, pod: str, container: str, image: str) -> None:
        self.seed = f"{namespace}/{pod}/{container}"
        self.nginx = "nginx" in image or "httpd" in image or "ingress" in image
        self.pod = pod

    def line(self, index: int, when: datetime) -> str:
        """The `index`-th line, stamped with `when` in the format the program would use."""
        rng = random.Random(f"{self.seed}#{index}")
        path = rng.choice(_PATHS).replace("{id}", str(rng.randint(1, 9999)))
        method, status = rng.choice(_METHODS), rng.choice(_STATUSES)
        if self.nginx:
            client = f"10.244.{rng.randint(0, 3)}.{rng.randint(2, 254)}"
            stamp = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
            size = 0 if status in (204, 304) else rng.randint(120, 48000)
            return f'{client} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {size} "-" "{rng.choice(_AGENTS)}"'
        level, component, message = rng.choice(_APP_EVENTS)
        if level == "ERROR":
            status = 504
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
        return (
            f"{stamp} {level:<5} [{component}] {message} method={method} path={path} status={status} "
            f"duration_ms={rng.randint(1, 950)} request_id={rng.getrandbits(48):012x}"
        )

    def initial_times(self, now: datetime) -> list[datetime]:
        """When the first lines were written: about an hour's worth, unevenly spaced, ending before now."""
        rng = random.Random(f"{self.seed}#times")
        gaps = [rng.expovariate(1.0) for _ in range(INITIAL_LINES)]
        scale = INITIAL_SPAN.total_seconds() / sum(gaps)
        times, elapsed = [], 0.0
        start = now - INITIAL_SPAN
        for gap in gaps:
            elapsed += gap * scale
            times.append(start + timedelta(seconds=elapsed) - timedelta(seconds=gaps[-1] * scale))
        return times

    def previous_lines(self, finished: datetime, reason: str, exit_code: int) -> list[tuple[datetime, str]]:
        """The last lines of the instance that terminated at `finished`, ending with why it stopped."""
        lines = []
        for index in range(40):
            when = finished - timedelta(seconds=(40 - index) * 7)
            lines.append((when, self.line(10_000 + index, when)))
        if reason != "OOMKilled":
            stamp = finished.strftime("%Y-%m-%dT%H:%M:%S.000Z")
            lines.append(
                (
                    finished,
                    f"{stamp} FATAL [main] shutting down: unrecoverable error "
                    f"(exit code {exit_code}): dial tcp 10.96.12.40:5432: connect: connection refused",
                )
            )
        return lines


def utc_now() -> datetime:
    """The current time, timezone-aware, as every log timestamp is."""
    return datetime.now(UTC)
