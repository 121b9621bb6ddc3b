"""Timestamps as Kubernetes writes them, and ages as kubectl prints them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

UNKNOWN_AGE = "<unknown>"


def aware(moment: datetime) -> datetime:
    """Return ``moment`` as an aware datetime, taking a naive one as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_time(value: str | datetime | None) -> datetime | None:
    """Parse an RFC 3339 timestamp (``Time`` or ``MicroTime``) into an aware UTC datetime.

    Returns None for a missing, empty or unparseable value; naive datetimes are taken as UTC.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return aware(value)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return aware(parsed)


def human_duration(elapsed: timedelta) -> str:
    """Render a duration exactly like apimachinery's ``duration.HumanDuration``."""
    # Go converts with int(), which truncates toward zero; two seconds of clock skew count as "now".
    seconds = int(elapsed.total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        rest = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if rest == 0 else f"{years}y{rest}d"
    return f"{hours // 24 // 365}y"


def humanize_age(timestamp: str | datetime | None, now: datetime) -> str:
    """Age of ``timestamp`` at ``now`` as kubectl prints it (``45s``, ``5h3m``, ``3d4h``, ``2y``).

    A missing or unparseable timestamp gives ``<unknown>``, like kubectl's ``translateTimestampSince``.
    """
    moment = parse_time(timestamp)
    if moment is None:
        return UNKNOWN_AGE
    return human_duration(aware(now) - moment)
