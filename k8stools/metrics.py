"""Counters and timings of the server: tool calls, denials, downstream auth, rate limits.

`Metrics` keeps counters keyed by a name and labels in a pluggable `CounterStore`;
`MemoryCounterStore` keeps them in this process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

Labels = tuple[tuple[str, str], ...]


def _labels(labels: Mapping[str, Any]) -> Labels:
    return tuple(sorted((key, str(value)) for key, value in labels.items()))


class CounterStore(Protocol):
    def add(self, name: str, labels: Labels, amount: float) -> None: ...

    def snapshot(self) -> dict[tuple[str, Labels], float]: ...


class MemoryCounterStore:
    """Counters in this process only."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, Labels], float] = {}
        self._lock = threading.Lock()

    def add(self, name: str, labels: Labels, amount: float) -> None:
        with self._lock:
            key = (name, labels)
            self._values[key] = self._values.get(key, 0.0) + amount

    def snapshot(self) -> dict[tuple[str, Labels], float]:
        with self._lock:
            return dict(self._values)


class Metrics:
    """The server's counters; tools, the OAuth gateway and the rate limiter report here."""

    def __init__(self, store: CounterStore | None = None) -> None:
        self.store: CounterStore = store or MemoryCounterStore()

    def increment(self, name: str, amount: float = 1.0, **labels: Any) -> None:
        self.store.add(name, _labels(labels), amount)

    def tool_call(self, *, tool: str, outcome: str, seconds: float) -> None:
        self.increment("tool_calls_total", tool=tool, outcome=outcome)
        self.increment("tool_call_seconds_total", seconds, tool=tool)

    def value(self, name: str, **labels: Any) -> float:
        return self.store.snapshot().get((name, _labels(labels)), 0.0)

    def total(self, name: str) -> float:
        return sum(value for (metric, _), value in self.store.snapshot().items() if metric == name)

    def series(self, names: Iterable[str] | None = None) -> dict[tuple[str, Labels], float]:
        wanted = set(names) if names is not None else None
        return {key: value for key, value in self.store.snapshot().items() if wanted is None or key[0] in wanted}
