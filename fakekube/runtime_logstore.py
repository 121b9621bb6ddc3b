"""The log of one container instance, shared between the test thread and the server's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from datetime import datetime, timedelta
from typing import NamedTuple

from fakekube.runtime_loggen import LineGenerator, utc_now


class LogLine(NamedTuple):
    time: datetime
    text: str


class Wakeup:
    """An asyncio event that can be set from any thread."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()

    def set(self) -> None:
        # A closed loop means its server has stopped and nobody waits any more.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.event.set)


class ContainerLog:
    """Lines written so far, plus an optional generator that keeps writing while time passes.

    Generated lines are materialized lazily, when someone reads, so an idle fake does no work.
    """

    def __init__(self, generator: LineGenerator | None = None, interval: float = 2.0) -> None:
        self._lock = threading.Lock()
        self._lines: list[LogLine] = []
        self._generator = generator
        self._interval = timedelta(seconds=interval)
        self._generated = 0
        self._next_due: datetime | None = None
        self._watchers: set[Wakeup] = set()
        if generator is not None:
            for when in generator.initial_times(utc_now()):
                self._lines.append(LogLine(when, generator.line(self._generated, when)))
                self._generated += 1
            self._next_due = self._lines[-1].time + self._interval

    def replace(self, lines: list[LogLine]) -> None:
        """Set the whole content and stop generating."""
        with self._lock:
            self._lines = list(lines)
            self._generator = None
            self._next_due = None
        self._wake()

    def append(self, line: LogLine) -> None:
        with self._lock:
            self._lines.append(line)
        self._wake()

    def snapshot(self, now: datetime | None = None) -> list[LogLine]:
        """All lines written up to `now`, generating the ones that have come due."""
        now = now or utc_now()
        with self._lock:
            generator, due = self._generator, self._next_due
            while generator is not None and due is not None and due <= now:
                self._lines.append(LogLine(due, generator.line(self._generated, due)))
                self._generated += 1
                due += self._interval
            self._next_due = due
            return list(self._lines)

    def next_due(self) -> datetime | None:
        """When the generator writes its next line, if it is generating."""
        with self._lock:
            return self._next_due

    def watch(self, wakeup: Wakeup) -> None:
        with self._lock:
            self._watchers.add(wakeup)

    def unwatch(self, wakeup: Wakeup) -> None:
        with self._lock:
            self._watchers.discard(wakeup)

    def _wake(self) -> None:
        with self._lock:
            watchers = list(self._watchers)
        for wakeup in watchers:
            wakeup.set()
