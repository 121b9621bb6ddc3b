"""core/v1 Events as controllers record them (`kubectl describe` and `kubectl get events` read these)."""

from __future__ import annotations

import secrets
from typing import Any

from .objects import new_uid, now_timestamp
from .store import Store


def record_event(
    store: Store, involved: dict[str, Any], reason: str, message: str, component: str, event_type: str = "Normal"
) -> dict[str, Any]:
    """Store a Normal (or Warning) Event about `involved`, from `component`, stamped now."""
    metadata = involved["metadata"]
    stamp = now_timestamp()
    event: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            # The real recorder names an event after its object and a hex timestamp; random keeps them unique.
            "name": f"{metadata['name']}.{secrets.token_hex(8)}",
            "namespace": metadata.get("namespace") or "default",
            "uid": new_uid(),
            "creationTimestamp": stamp,
        },
        "involvedObject": {
            "apiVersion": involved.get("apiVersion", ""),
            "kind": involved.get("kind", ""),
            "name": metadata["name"],
            "namespace": metadata.get("namespace", ""),
            "uid": metadata.get("uid", ""),
            "resourceVersion": metadata.get("resourceVersion", ""),
        },
        "reason": reason,
        "message": message,
        "source": {"component": component},
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
        "type": event_type,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": "",
    }
    with store.lock:
        if store.get("", "namespaces", None, event["metadata"]["namespace"]) is None:
            return event  # the namespace is gone (the object went with it)
        return store.put("", "events", event, "ADDED")
