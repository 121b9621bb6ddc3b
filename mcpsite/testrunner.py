"""Django's test runner, plus one plain closing line (`N passed, N failed, N skipped`) for CI, and the slowest
test classes, since CI must stay under twenty minutes."""

from __future__ import annotations

import time
import unittest
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.test.runner import DiscoverRunner

from mcpsite.bytecode import compile_checkout
from mcpsite.datadir import ensure_database_directory

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

    def setup_test_environment(self, **kwargs: Any) -> None:
        super().setup_test_environment(**kwargs)
        compile_checkout()  # the suite starts some two hundred servers: none compiles the project again

    def setup_databases(self, **kwargs: Any) -> Any:
        ensure_database_directory(
            {
                alias: database.get("TEST", {}) | {"ENGINE": database["ENGINE"]}
                for alias, database in settings.DATABASES.items()
            }
        )
        return super().setup_databases(**kwargs)

    def suite_result(self, suite: Any, result: Any, **kwargs: Any) -> int:
        passed, failed, skipped = closing_counts(result)
        if isinstance(result, TimedResult) and result.testsRun > SLOWEST_SHOWN:
            print("slowest test classes:")
            slowest = sorted(result.class_seconds.items(), key=lambda item: item[1], reverse=True)
            for name, seconds in slowest[:SLOWEST_SHOWN]:
                print(f"  {seconds:6.1f} s  {name}")
        print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
        return super().suite_result(suite, result, **kwargs)


def closing_counts(result: unittest.TestResult) -> tuple[int, int, int]:
    """Passed, failed and skipped, where a failed setUpClass/setUpModule counts as one failure.

    unittest reports such a failure as an error of a placeholder that is not a test and was never counted in
    `testsRun`: subtracting it from `testsRun` would undercount passes (down to "-1 passed"). A test with several
    failing subtests counts once, as it counts once in `testsRun`."""
    problems = [test for test, _ in (*result.failures, *result.errors)]
    ran_and_failed = {id(getattr(test, "test_case", test)) for test in problems if isinstance(test, unittest.TestCase)}
    set_up_failed = sum(1 for test in problems if not isinstance(test, unittest.TestCase))
    unexpected = len(getattr(result, "unexpectedSuccesses", []))
    skipped = len(result.skipped)
    passed = result.testsRun - len(ran_and_failed) - unexpected - skipped
    return passed, len(ran_and_failed) + unexpected + set_up_failed, skipped
