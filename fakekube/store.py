"""The object store: objects by (group, resource, namespace, name), one global resourceVersion,
a bounded event log for watches, and `limit`/`continue` paging.

Objects are never mutated once stored (writers store a new dict), so readers share them without
copying and each object's JSON encoding is cached until it is replaced.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .status import ApiError

EVENT_LOG_SIZE = 20000


@dataclass(frozen=True)
class WatchEvent:
    resource_version: int
    type: str  # ADDED, MODIFIED, DELETED
    group: str
    resource: str
    namespace: str
    obj: dict[str, Any]


@dataclass
class Page:
    items: list[dict[str, Any]]
    resource_version: int
    continue_token: str | None
    remaining: int | None


def encode_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class Store:
    """Thread-safe storage shared by the server thread and the test thread."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.resource_version = 1000
        # (group, resource) -> namespace ("" for cluster-scoped) -> name -> object
        self._objects: dict[tuple[str, str], dict[str, dict[str, dict[str, Any]]]] = {}
        self._encoded: dict[int, tuple[dict[str, Any], bytes]] = {}
        self.events: deque[WatchEvent] = deque(maxlen=EVENT_LOG_SIZE)

    def next_resource_version(self) -> int:
        with self.lock:
            self.resource_version += 1
            return self.resource_version

    def get(self, group: str, resource: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        return self._objects.get((group, resource), {}).get(namespace or "", {}).get(name)

    def items(self, group: str, resource: str, namespace: str | None = None) -> list[dict[str, Any]]:
        """Objects in stable (namespace, name) order; all namespaces when `namespace` is None."""
        with self.lock:
            bucket = self._objects.get((group, resource), {})
            if namespace is not None:
                names = bucket.get(namespace, {})
                return [names[name] for name in sorted(names)]
            return [bucket[ns][name] for ns in sorted(bucket) for name in sorted(bucket[ns])]

    def put(self, group: str, resource: str, obj: dict[str, Any], event_type: str) -> dict[str, Any]:
        """Store `obj` with a fresh resourceVersion (set in place on this new dict) and log the event."""
        with self.lock:
            version = self.next_resource_version()
            obj["metadata"]["resourceVersion"] = str(version)
            namespace = obj["metadata"].get("namespace") or ""
            self._objects.setdefault((group, resource), {}).setdefault(namespace, {})[obj["metadata"]["name"]] = obj
            self.events.append(WatchEvent(version, event_type, group, resource, namespace, obj))
            return obj

    def remove(self, group: str, resource: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        with self.lock:
            obj = self._objects.get((group, resource), {}).get(namespace or "", {}).pop(name, None)
            if obj is None:
                return None
            # The DELETED event carries the object at a new resourceVersion, as etcd's delete revision.
            version = self.next_resource_version()
            deleted = {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(version)}}
            self.events.append(WatchEvent(version, "DELETED", group, resource, namespace or "", deleted))
            self._encoded.pop(id(obj), None)
            return deleted

    def drop_resource(self, group: str, resource: str) -> list[dict[str, Any]]:
        """Remove every object of a type (a CRD going away); returns what was removed."""
        with self.lock:
            removed = []
            for namespace, name in [
                (ns, name) for ns, names in self._objects.get((group, resource), {}).items() for name in names
            ]:
                deleted = self.remove(group, resource, namespace, name)
                if deleted is not None:
                    removed.append(deleted)
            self._objects.pop((group, resource), None)
            return removed

    def namespace_objects(self, namespace: str) -> list[tuple[str, str, dict[str, Any]]]:
        """Every object in `namespace`, of any resource (a snapshot)."""
        with self.lock:
            return [
                (group, resource, obj)
                for (group, resource), bucket in self._objects.items()
                for obj in bucket.get(namespace, {}).values()
            ]

    def all_objects(self) -> Iterable[tuple[str, str, dict[str, Any]]]:
        with self.lock:
            snapshot = [
                (group, resource, obj)
                for (group, resource), bucket in self._objects.items()
                for names in bucket.values()
                for obj in names.values()
            ]
        return snapshot

    def encoded(self, obj: dict[str, Any]) -> bytes:
        """The JSON of a stored object, encoded once per version."""
        cached = self._encoded.get(id(obj))
        if cached is not None and cached[0] is obj:
            return cached[1]
        data = encode_json(obj)
        with self.lock:
            if len(self._encoded) > 200000:
                self._encoded.clear()
            self._encoded[id(obj)] = (obj, data)
        return data

    def events_after(self, resource_version: int) -> list[WatchEvent]:
        """Events newer than `resource_version`, oldest first (read from the newest end: watchers poll often)."""
        with self.lock:
            if self.events and resource_version < self.events[0].resource_version - 1:
                raise ApiError(
                    410,
                    f"too old resource version: {resource_version} ({self.events[0].resource_version - 1})",
                    "Expired",
                )
            newer = []
            for event in reversed(self.events):
                if event.resource_version <= resource_version:
                    break
                newer.append(event)
            newer.reverse()
            return newer

    def items_at(self, group: str, resource: str, namespace: str | None, resource_version: int) -> list[dict[str, Any]]:
        """The objects as they were at `resource_version`, rebuilt from the event log (for consistent paging)."""
        with self.lock:
            current = {_key(obj): obj for obj in self.items(group, resource, namespace)}
            first_change: dict[tuple[str, str], WatchEvent] = {}
            last_before: dict[tuple[str, str], WatchEvent] = {}
            for event in self.events:
                if (event.group, event.resource) != (group, resource):
                    continue
                if namespace is not None and event.namespace != namespace:
                    continue
                key = _key(event.obj)
                if event.resource_version <= resource_version:
                    last_before[key] = event
                else:
                    first_change.setdefault(key, event)
        for key, event in first_change.items():
            current.pop(key, None)
            if event.type == "ADDED":
                continue  # created after the snapshot
            before = last_before.get(key)
            if before is not None and before.type != "DELETED":
                current[key] = before.obj
            elif before is None:
                # Stored before the oldest logged event: its deletion carries the last content it had.
                current[key] = event.obj
        return [current[key] for key in sorted(current)]

    def oldest_resource_version(self) -> int:
        with self.lock:
            return self.events[0].resource_version - 1 if self.events else self.resource_version


def paginate(
    items: list[dict[str, Any]], resource_version: int, limit: int, token: str | None, oldest_resource_version: int
) -> Page:
    """Cut a (namespace, name)-ordered list after the continue token's key, `limit` items at a time."""
    start_after: tuple[str, str] | None = None
    if token:
        start_after = _decode_continue(token, oldest_resource_version)[0]
    if start_after is not None:
        items = [obj for obj in items if _key(obj) > start_after]
    if limit <= 0 or len(items) <= limit:
        return Page(items, resource_version, None, None)
    page = items[:limit]
    last = _key(page[-1])
    payload = {"v": "meta.k8s.io/v1", "rv": resource_version, "start": f"{last[0]}/{last[1]}\u0000"}
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return Page(page, resource_version, encoded, len(items) - limit)


def continue_resource_version(token: str, oldest_resource_version: int) -> int:
    """The resourceVersion of the list a continue token continues (400 when malformed, 410 when too old)."""
    return _decode_continue(token, oldest_resource_version)[1]


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    metadata = obj["metadata"]
    return (metadata.get("namespace") or "", metadata["name"])


def _decode_continue(token: str, oldest_resource_version: int) -> tuple[tuple[str, str], int]:
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded))
        namespace, _, name = payload["start"].rstrip("\u0000").partition("/")
        resource_version = int(payload["rv"])
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise ApiError(400, f"continue key is not valid: {error}", "BadRequest") from error
    if resource_version < oldest_resource_version:
        raise ApiError(
            410,
            "The provided continue parameter is too old to display a consistent list result. "
            "You can start a new list without the continue parameter, or use the continue token "
            "in this response to retrieve the remainder of the results. Continuing with the "
            "provided token results in an inconsistent list - objects that were created, modified, "
            "or deleted between the time the first chunk was returned and now may show up in the "
            "list.",
            "Expired",
        )
    return (namespace, name), resource_version
