"""core/v1 Events as controllers, the kubelet and the scheduler record them (`kubectl describe` and
`kubectl get events` read these).

Two recorders write them on a real cluster, and the stored shape shows which one did:
- the legacy recorder (controllers, the kubelet): `source`, `firstTimestamp`, `lastTimestamp` and `count`, with
  `eventTime` null;
- the events.k8s.io/v1 recorder (the scheduler): `eventTime` (microseconds), `action`, `reportingComponent` and
  `reportingInstance`, with `source` empty, both timestamps null and no count.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from .objects import new_uid, now_timestamp
from .store import Store


def involved_reference(involved: dict[str, Any], field_path: str = "") -> dict[str, Any]:
    metadata = involved["metadata"]
    reference = {
        "apiVersion": involved.get("apiVersion", ""),
        "kind": involved.get("kind", ""),
        "name": metadata["name"],
        "namespace": metadata.get("namespace", ""),
        "uid": metadata.get("uid", ""),
        "resourceVersion": metadata.get("resourceVersion", ""),
    }
    if field_path:
        reference["fieldPath"] = field_path
    return reference


def _new_event(involved: dict[str, Any], stamp: str) -> dict[str, Any]:
    metadata = involved["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            # The real recorder names an event after its object and a hex timestamp; random keeps them unique.
            "name": f"{metadata['name']}.{secrets.token_hex(8)}",
            "namespace": metadata.get("namespace") or "default",
            "uid": new_uid(),
            "creationTimestamp": stamp,
        },
    }


def _store_event(store: Store, event: dict[str, Any]) -> dict[str, Any]:
    with store.lock:
        if store.get("", "namespaces", None, event["metadata"]["namespace"]) is None:
            return event  # the namespace is gone (the object went with it)
        return store.put("", "events", event, "ADDED")


def record_event(
    store: Store,
    involved: dict[str, Any],
    reason: str,
    message: str,
    component: str,
    event_type: str = "Normal",
    host: str = "",
    field_path: str = "",
) -> dict[str, Any]:
    """Store a Normal (or Warning) Event about `involved` from the legacy recorder of `component`, stamped now.

    `host` is the node of a kubelet's event; `field_path` the container it is about (`spec.containers{main}`)."""
    stamp = now_timestamp()
    event = _new_event(involved, stamp)
    event.update(
        {
            "involvedObject": involved_reference(involved, field_path),
            "reason": reason,
            "message": message,
            "source": {"component": component, **({"host": host} if host else {})},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "type": event_type,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host,
        }
    )
    return _store_event(store, event)


def record_new_event(
    store: Store,
    involved: dict[str, Any],
    reason: str,
    action: str,
    message: str,
    controller: str,
    instance: str,
    event_type: str = "Normal",
) -> dict[str, Any]:
    """Store an Event as the events.k8s.io/v1 recorder writes it (the scheduler's `Scheduled`), stamped now."""
    moment = datetime.now(UTC)
    event = _new_event(involved, moment.strftime("%Y-%m-%dT%H:%M:%SZ"))
    event.update(
        {
            "involvedObject": involved_reference(involved),
            "reason": reason,
            "message": message,
            "source": {},
            "firstTimestamp": None,
            "lastTimestamp": None,
            "type": event_type,
            "eventTime": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "action": action,
            "reportingComponent": controller,
            "reportingInstance": instance,
        }
    )
    return _store_event(store, event)
