"""Django's test runner, plus one plain closing line (`N passed, N failed, N skipped`) for CI, and the slowest
test classes, since CI must stay under twenty minutes."""

from __future__ import annotations

import time
import unittest
from collections import defaultdict
from typing import Any

from django.test.runner import DiscoverRunner

SLOWEST_SHOWN = 10


class TimedResult(unittest.TextTestResult):
    """Times each test class from the end of the one before, so its setUpClass and tearDownClass count."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.class_seconds: defaultdict[str, float] = defaultdict(float)
        self._mark = time.monotonic()

    def stopTest(self, test: unittest.TestCase) -> None:
        super().stopTest(test)
        now = time.monotonic()
        self.class_seconds[f"{type(test).__module__}.{type(test).__qualname__}"] += now - self._mark
        self._mark = now


class Runner(DiscoverRunner):
    def get_resultclass(self) -> Any:
        return super().get_resultclass() or TimedResult

    def suite_result(self, suite: Any, result: unittest.TextTestResult, **kwargs: Any) -> int:
        failed = len(result.failures) + len(result.errors) + len(getattr(result, "unexpectedSuccesses", []))
        skipped = len(result.skipped)
        passed = result.testsRun - failed - skipped
        if isinstance(result, TimedResult) and result.testsRun > SLOWEST_SHOWN:
            print("slowest test classes:")
            for name, seconds in sorted(result.class_seconds.items(), key=lambda item: -item[1])[:SLOWEST_SHOWN]:
                print(f"  {seconds:6.1f} s  {name}")
        print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
        return super().suite_result(suite, result, **kwargs)
