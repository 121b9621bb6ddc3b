"""Injected failures: slow answers, error statuses (with `Retry-After`), and dropped connections."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass


@dataclass
class Fault:
    path: re.Pattern[str]
    method: str | None
    delay: float
    status: int | None
    retry_after: int | None
    drop: bool
    drop_after: float | None
    remaining: int | None
    message: str | None

    def applies_to(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method.upper()) and bool(self.path.search(path))


class Faults:
    """The active faults, checked in order; the first that matches a request applies to it."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        path: str = ".*",
        method: str | None = None,
        delay: float = 0.0,
        status: int | None = None,
        retry_after: int | None = None,
        drop: bool = False,
        drop_after: float | None = None,
        times: int | None = None,
        message: str | None = None,
    ) -> Fault:
        """Fault requests whose path matches the regex `path` (searched, not anchored).

        `delay` waits before answering; `status` answers with a Status of that code (429 with `Retry-After`
        when `retry_after` is given); `drop` closes the connection without an answer, or, with `drop_after`
        seconds, in the middle of the response stream; `times` limits how many requests are faulted.
        """
        fault = Fault(re.compile(path), method, delay, status, retry_after, drop, drop_after, times, message)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, counting it against the fault's `times`."""
        with self._lock:
            for fault in self._faults:
                if fault.applies_to(method, path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def __len__(self) -> int:
        return len(self._faults)
