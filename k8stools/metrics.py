"""Counters and timings of the server: tool calls, denials, downstream auth, rate limits.

`Metrics` keeps counters keyed by a name and labels in a pluggable `CounterStore`;
`MemoryCounterStore` keeps them in this process, `CacheCounterStore` in the Django cache (Redis in a
team deployment), so every worker adds to the same figures that the dashboard and /metrics read.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
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


class CacheCounterStore:
    """Counters in the Django cache, shared by every worker that uses the same cache.

    A tool call only adds to a dictionary in memory; the sums go to the cache at most once per
    `flush_seconds` (a timer flushes what is left). Values are kept as integer millionths, since
    Redis increments integers only. An index key lists the series so that any worker can read all.
    """

    SCALE = 1_000_000

    def __init__(
        self,
        cache: Any = None,
        *,
        prefix: str = "kubemcp:metrics:",
        flush_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if cache is None:
            from django.core.cache import cache as default_cache

            cache = default_cache
        self.cache = cache
        self.prefix = prefix
        self.flush_seconds = flush_seconds
        self._clock = clock
        self._pending: dict[tuple[str, Labels], float] = {}
        self._known: set[str] = set()
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._last_flush = clock()
        self._timer: threading.Timer | None = None

    def _key(self, series: str) -> str:
        return f"{self.prefix}v:{series}"

    @staticmethod
    def _series(name: str, labels: Labels) -> str:
        return json.dumps([name, labels], separators=(",", ":"))

    def add(self, name: str, labels: Labels, amount: float) -> None:
        with self._lock:
            key = (name, labels)
            self._pending[key] = self._pending.get(key, 0.0) + amount
            due = self._clock() - self._last_flush >= self.flush_seconds
            if not due and self._timer is None:
                self._timer = threading.Timer(self.flush_seconds, self.flush)
                self._timer.daemon = True
                self._timer.start()
        if due:
            self.flush()

    def flush(self) -> None:
        """Send the sums gathered since the last flush to the cache."""
        with self._flush_lock:
            with self._lock:
                pending, self._pending = self._pending, {}
                self._last_flush = self._clock()
                if self._timer is not None:
                    self._timer.cancel()
                    self._timer = None
            new_series = []
            for (name, labels), amount in pending.items():
                series = self._series(name, labels)
                delta = round(amount * self.SCALE)
                key = self._key(series)
                self.cache.add(key, 0, timeout=None)
                try:
                    self.cache.incr(key, delta)
                except ValueError:  # evicted between add and incr
                    self.cache.set(key, delta, timeout=None)
                if series not in self._known:
                    new_series.append(series)
            if new_series:
                self._register(new_series)

    def _register(self, series: list[str]) -> None:
        # Read-merge-write: a series lost to a concurrent writer is added again at that worker's next flush.
        index_key = f"{self.prefix}index"
        index = set(self.cache.get(index_key) or ())
        self.cache.set(index_key, sorted(index | set(series) | self._known), timeout=None)
        self._known.update(series)
        self._known.update(index)

    def snapshot(self) -> dict[tuple[str, Labels], float]:
        self.flush()
        index = list(self.cache.get(f"{self.prefix}index") or ())
        missing = self._known - set(index)
        if missing:  # lost to a concurrent index write: add them back
            self._register(sorted(missing))
            index = sorted(set(index) | missing)
        values = self.cache.get_many([self._key(series) for series in index])
        result: dict[tuple[str, Labels], float] = {}
        for series in index:
            raw = values.get(self._key(series))
            if raw is None:
                continue
            name, labels = json.loads(series)
            result[(name, tuple((str(k), str(v)) for k, v in labels))] = raw / self.SCALE
        return result


def default_store() -> CounterStore:
    """The store a server process uses: the shared cache, so figures add up across workers."""
    return CacheCounterStore()


class Metrics:
    """The server's counters; tools, the OAuth gateway and the rate limiter report here."""

    def __init__(self, store: CounterStore | None = None) -> None:
        self.store: CounterStore = store or MemoryCounterStore()

    @classmethod
    def shared(cls) -> Metrics:
        """Metrics in the default (cross-worker) store, for the server process."""
        return cls(default_store())

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
