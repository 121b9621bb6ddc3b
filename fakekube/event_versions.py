"""`events.k8s.io/v1` Events are the core `v1` Events seen through other field names; the fake stores the core
shape once and converts at the edges, as the real server's conversion functions do."""

from __future__ import annotations

from typing import Any

# core v1 field -> events.k8s.io/v1 field, for the fields that are only renamed.
_RENAMED = {
    "involvedObject": "regarding",
    "message": "note",
    "firstTimestamp": "deprecatedFirstTimestamp",
    "lastTimestamp": "deprecatedLastTimestamp",
    "count": "deprecatedCount",
    "reportingComponent": "reportingController",
}


def to_events_v1(event: dict[str, Any]) -> dict[str, Any]:
    """A stored core Event as events.k8s.io/v1 serves it."""
    # eventTime has no omitempty in events.k8s.io/v1: a legacy event without one is served with null.
    converted: dict[str, Any] = {"kind": "Event", "apiVersion": "events.k8s.io/v1", "eventTime": None}
    for key, value in event.items():
        if key in ("kind", "apiVersion"):
            continue
        if key == "source":
            if value:
                converted["deprecatedSource"] = value
        else:
            converted[_RENAMED.get(key, key)] = value
    return converted


def to_core_v1(event: dict[str, Any]) -> dict[str, Any]:
    """An events.k8s.io/v1 Event body in the stored core shape."""
    back = {new: old for old, new in _RENAMED.items()}
    converted: dict[str, Any] = {"kind": "Event", "apiVersion": "v1"}
    for key, value in event.items():
        if key in ("kind", "apiVersion"):
            continue
        if key == "deprecatedSource":
            converted["source"] = value
        else:
            converted[back.get(key, key)] = value
    return converted
