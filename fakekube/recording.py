"""The log of requests that reached the fake, so tests can prove what was (not) sent."""

from __future__ import annotations

import threading
from dataclasses import dataclass

MUTATING_VERBS = {"create", "update", "patch", "delete", "deletecollection", "connect"}


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    verb: str
    resource: str
    subresource: str
    namespace: str | None
    name: str
    group: str
    identity: str | None
    dry_run: bool
    content_type: str
    user_agent: str
    status: int | None = None
    # Who sent the request when `identity` is someone it impersonated (`Impersonate-User`), else None.
    impersonator: str | None = None

    @property
    def is_mutation(self) -> bool:
        """A write that took effect (or would have): not a read, not a dry run."""
        return self.verb in MUTATING_VERBS and not self.dry_run


class RequestLog:
    """Thread-safe list of `RecordedRequest`."""

    def __init__(self) -> None:
        self._items: list[RecordedRequest] = []
        self._lock = threading.Lock()

    def append(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._items.append(entry)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
