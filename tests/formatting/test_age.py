from __future__ import annotations

from datetime import datetime, timedelta
from unittest import TestCase

from k8stools.formatting.age import human_duration, humanize_age, parse_time
from tests.formatting.fixtures import NOW


class HumanizeAgeTests(TestCase):
    def test_it_follows_kubectl_human_duration_at_every_boundary(self) -> None:
        cases = [
            (timedelta(seconds=0), "0s"),
            (timedelta(seconds=45), "45s"),
            (timedelta(seconds=119), "119s"),
            (timedelta(minutes=2), "2m"),
            (timedelta(minutes=5, seconds=7), "5m7s"),
            (timedelta(minutes=12, seconds=30), "12m"),
            (timedelta(minutes=179), "179m"),
            (timedelta(hours=3), "3h"),
            (timedelta(hours=5, minutes=3), "5h3m"),
            (timedelta(hours=8, minutes=59), "8h"),
            (timedelta(hours=47), "47h"),
            (timedelta(days=2), "2d"),
            (timedelta(days=3, hours=4), "3d4h"),
            (timedelta(days=8, hours=5), "8d"),
            (timedelta(days=120), "120d"),
            (timedelta(days=730), "2y"),
            (timedelta(days=800), "2y70d"),
            (timedelta(days=365 * 9), "9y"),
            (timedelta(seconds=-1), "0s"),
            (timedelta(seconds=-5), "<invalid>"),
        ]
        for elapsed, expected in cases:
            with self.subTest(elapsed=elapsed):
                self.assertEqual(human_duration(elapsed), expected)

    def test_it_reads_rfc3339_times_and_micro_times(self) -> None:
        self.assertEqual(humanize_age("2026-11-25T08:59:15Z", NOW), "45s")
        self.assertEqual(humanize_age("2026-11-25T08:48:00.123456Z", NOW), "11m")
        self.assertEqual(humanize_age(NOW - timedelta(days=3, hours=4), NOW), "3d4h")

    def test_it_says_unknown_for_a_missing_or_broken_timestamp(self) -> None:
        for value in (None, "", "yesterday"):
            with self.subTest(value=value):
                self.assertEqual(humanize_age(value, NOW), "<unknown>")

    def test_it_takes_naive_datetimes_as_utc(self) -> None:
        naive_now = datetime(2026, 11, 25, 9, 0, 0)
        self.assertEqual(humanize_age("2026-11-25T08:00:00Z", naive_now), "60m")
        self.assertEqual(parse_time(naive_now), NOW)
