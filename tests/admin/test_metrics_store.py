from __future__ import annotations

from django.core.cache.backends.locmem import LocMemCache
from django.test import SimpleTestCase

from k8stools.metrics import CacheCounterStore, Metrics


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class CacheCounterStoreTests(SimpleTestCase):
    def setUp(self) -> None:
        self.cache = LocMemCache("metrics-test", {})
        self.cache.clear()
        self.clock = FakeClock()

    def worker(self) -> Metrics:
        return Metrics(CacheCounterStore(self.cache, prefix="t:", flush_seconds=60, clock=self.clock))

    def timers_fire(self, *workers: Metrics) -> None:
        for worker in workers:
            worker.store.flush()  # type: ignore[attr-defined]

    def test_two_workers_add_up_to_the_same_figures(self) -> None:
        one, two = self.worker(), self.worker()
        one.tool_call(tool="get", outcome="ok", seconds=0.25)
        two.tool_call(tool="get", outcome="ok", seconds=0.5)
        two.tool_call(tool="delete", outcome="denied", seconds=0.001)
        one.increment("rate_limited_total", limit="ip")
        self.timers_fire(one, two)
        for reader in (one, two, self.worker()):
            self.assertEqual(reader.value("tool_calls_total", tool="get", outcome="ok"), 2)
            self.assertEqual(reader.value("tool_calls_total", tool="delete", outcome="denied"), 1)
            self.assertAlmostEqual(reader.value("tool_call_seconds_total", tool="get"), 0.75)
            self.assertEqual(reader.total("rate_limited_total"), 1)

    def test_a_call_only_buffers_until_the_flush_interval_has_passed(self) -> None:
        writer, reader = self.worker(), self.worker()
        writer.increment("bearer_client_failures_total")
        self.assertEqual(self.cache.get("t:index"), None)  # nothing sent yet
        self.assertEqual(reader.total("bearer_client_failures_total"), 0)
        self.clock.now += 61
        writer.increment("bearer_client_failures_total")  # past the interval: this call flushes both
        self.assertEqual(reader.total("bearer_client_failures_total"), 2)

    def test_the_timer_flushes_what_a_quiet_worker_has_buffered(self) -> None:
        store = CacheCounterStore(self.cache, prefix="t:", flush_seconds=0.01)
        Metrics(store).increment("rate_limited_total", limit="user")
        timer = store._timer
        assert timer is not None
        timer.join(5)
        self.assertEqual(self.worker().value("rate_limited_total", limit="user"), 1)

    def test_a_series_lost_from_the_index_is_added_back(self) -> None:
        one = self.worker()
        one.increment("downstream_auth_total", result="success")
        self.timers_fire(one)
        self.cache.set("t:index", [], timeout=None)  # another worker's write raced ours
        self.assertEqual(one.value("downstream_auth_total", result="success"), 1)
        self.assertEqual(self.worker().value("downstream_auth_total", result="success"), 1)

    def test_gauges_go_down_as_well_as_up(self) -> None:
        one, two = self.worker(), self.worker()
        one.increment("port_forward_sessions_active", 1)
        two.increment("port_forward_sessions_active", 1)
        one.increment("port_forward_sessions_active", -1)
        self.timers_fire(one, two)
        self.assertEqual(self.worker().value("port_forward_sessions_active"), 1)
