"""Kubernetes events: when they happened, newest first, and filtering by type, reason, object and age.

Both ``v1`` events and ``events.k8s.io/v1`` events are read; the latter keep the old fields under
``deprecated*`` names and the involved object under ``regarding``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from .age import aware, parse_time


def event_time(event: dict[str, Any]) -> datetime | None:
    """When the event was last seen.

    A series' ``lastObservedTime`` wins, as in ``kubectl events``: a recurring event keeps its first
    ``eventTime`` and moves only its series. Then ``lastTimestamp``, ``eventTime``,
    ``firstTimestamp`` and finally ``metadata.creationTimestamp``.
    """
    series = event.get("series") or {}
    for value in (
        series.get("lastObservedTime"),
        event.get("lastTimestamp") or event.get("deprecatedLastTimestamp"),
        event.get("eventTime"),
        event.get("firstTimestamp") or event.get("deprecatedFirstTimestamp"),
        (event.get("metadata") or {}).get("creationTimestamp"),
    ):
        moment = parse_time(value)
        if moment is not None:
            return moment
    return None


def event_first_time(event: dict[str, Any]) -> datetime | None:
    """When the event was first seen: ``firstTimestamp``, else ``eventTime``, else creation."""
    for value in (
        event.get("firstTimestamp") or event.get("deprecatedFirstTimestamp"),
        event.get("eventTime"),
        (event.get("metadata") or {}).get("creationTimestamp"),
    ):
        moment = parse_time(value)
        if moment is not None:
            return moment
    return None


def event_count(event: dict[str, Any]) -> int:
    """How many times the event happened; singleton events of the new API carry no count."""
    series = event.get("series") or {}
    value = series.get("count") or event.get("count") or event.get("deprecatedCount") or 1
    return int(value)


def involved_object(event: dict[str, Any]) -> dict[str, Any]:
    """The object the event is about (``involvedObject`` or ``regarding``)."""
    return event.get("involvedObject") or event.get("regarding") or {}


def event_message(event: dict[str, Any]) -> str:
    """The event's message (``message`` or ``note``), trimmed."""
    return str(event.get("message") or event.get("note") or "").strip()


def sort_events_newest_first(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the events ordered newest first; events with no time at all go last, order kept."""
    events = list(items)
    timed = [(event_time(event), index, event) for index, event in enumerate(events)]
    with_time = [entry for entry in timed if entry[0] is not None]
    without_time = [entry[2] for entry in timed if entry[0] is None]
    with_time.sort(key=lambda entry: (entry[0], -entry[1]), reverse=True)
    return [entry[2] for entry in with_time] + without_time


def filter_events(
    items: Iterable[dict[str, Any]],
    *,
    types: Iterable[str] | None = None,
    reasons: Iterable[str] | None = None,
    involved_kind: str | None = None,
    involved_name: str | None = None,
    since: datetime | timedelta | None = None,
    now: datetime,
) -> list[dict[str, Any]]:
    """Keep the events that match every given criterion, newest first.

    ``types`` and ``reasons`` match case-insensitively (any of the given values), ``involved_kind``
    case-insensitively, ``involved_name`` exactly. ``since`` is a moment, or a ``timedelta`` meaning
    "within that long before ``now``"; an event with no timestamp never passes a ``since`` filter.
    """
    wanted_types = {t.lower() for t in types} if types else None
    wanted_reasons = {r.lower() for r in reasons} if reasons else None
    cutoff = aware(now) - since if isinstance(since, timedelta) else parse_time(since)
    kept = []
    for event in items:
        target = involved_object(event)
        if wanted_types is not None and str(event.get("type") or "").lower() not in wanted_types:
            continue
        if wanted_reasons is not None and str(event.get("reason") or "").lower() not in wanted_reasons:
            continue
        if involved_kind and str(target.get("kind") or "").lower() != involved_kind.lower():
            continue
        if involved_name and target.get("name") != involved_name:
            continue
        if cutoff is not None:
            moment = event_time(event)
            if moment is None or moment < cutoff:
                continue
        kept.append(event)
    return sort_events_newest_first(kept)
