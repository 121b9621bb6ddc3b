from __future__ import annotations

from datetime import timedelta
from unittest import TestCase

from k8stools.formatting.events import event_time, filter_events, sort_events_newest_first
from tests.formatting import fixtures
from tests.formatting.fixtures import NOW, ago


def names(events: list[dict[str, object]]) -> list[str]:
    return [e["reason"] for e in events]  # type: ignore[misc]


class EventOrderTests(TestCase):
    def test_it_orders_by_last_timestamp_newest_first(self) -> None:
        events = [
            fixtures.event("Old", "a", last_seen_minutes=30),
            fixtures.event("New", "b", last_seen_minutes=1),
            fixtures.event("Middle", "c", last_seen_minutes=10),
        ]
        self.assertEqual(names(sort_events_newest_first(events)), ["New", "Middle", "Old"])

    def test_it_falls_back_through_event_time_series_first_timestamp_and_creation(self) -> None:
        series = {"reason": "Series", "eventTime": ago(hours=5), "series": {"lastObservedTime": ago(minutes=2)}}
        micro = {"reason": "Micro", "eventTime": ago(minutes=3)}
        first = {"reason": "First", "firstTimestamp": ago(minutes=4)}
        created = {"reason": "Created", "metadata": {"creationTimestamp": ago(minutes=5)}}
        timeless = {"reason": "Timeless"}
        ordered = sort_events_newest_first([timeless, created, first, micro, series])
        self.assertEqual(names(ordered), ["Series", "Micro", "First", "Created", "Timeless"])

    def test_a_series_counts_from_its_last_observation(self) -> None:
        event = {"eventTime": ago(hours=1), "series": {"count": 4, "lastObservedTime": ago(seconds=10)}}
        self.assertEqual(event_time(event), NOW - timedelta(seconds=10))

    def test_it_keeps_the_input_order_for_equal_times(self) -> None:
        events = [fixtures.event(reason, "m", last_seen_minutes=1) for reason in ("A", "B", "C")]
        self.assertEqual(names(sort_events_newest_first(events)), ["A", "B", "C"])


class EventFilterTests(TestCase):
    def setUp(self) -> None:
        self.events = [
            fixtures.event("Pulled", "ok", last_seen_minutes=50),
            fixtures.event("BackOff", "restarting", type_="Warning", last_seen_minutes=2),
            fixtures.event("ScalingReplicaSet", "scaled", kind="Deployment", name="web", last_seen_minutes=5),
            fixtures.event("FailedMount", "no volume", type_="Warning", last_seen_minutes=120),
        ]

    def test_it_filters_by_type_case_insensitively(self) -> None:
        kept = filter_events(self.events, types=["warning"], now=NOW)
        self.assertEqual(names(kept), ["BackOff", "FailedMount"])

    def test_it_filters_by_reason_and_involved_object(self) -> None:
        self.assertEqual(
            names(filter_events(self.events, reasons=["pulled", "BackOff"], now=NOW)), ["BackOff", "Pulled"]
        )
        kept = filter_events(self.events, involved_kind="deployment", involved_name="web", now=NOW)
        self.assertEqual(names(kept), ["ScalingReplicaSet"])

    def test_it_filters_by_age_as_a_moment_or_a_duration(self) -> None:
        recent = filter_events(self.events, since=timedelta(minutes=10), now=NOW)
        self.assertEqual(names(recent), ["BackOff", "ScalingReplicaSet"])
        since_moment = filter_events(self.events, since=NOW - timedelta(hours=1), now=NOW)
        self.assertEqual(names(since_moment), ["BackOff", "ScalingReplicaSet", "Pulled"])

    def test_criteria_combine(self) -> None:
        kept = filter_events(self.events, types=["Warning"], since=timedelta(minutes=30), now=NOW)
        self.assertEqual(names(kept), ["BackOff"])
