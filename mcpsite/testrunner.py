"""Django's test runner, run in parallel across the machine's cores by default, plus one plain closing line
(`N passed, N failed, N skipped`) for CI, and the slowest test classes, since CI must stay under thirty minutes.

In parallel (`--parallel auto`, the default here; `--parallel 1` runs in one process, for debugging) Django gives
each worker process one test class at a time and replays the worker's events (start, success, error...) in this
process when the class has finished: the time between replayed events says nothing about the class. So each
worker times its own classes and sends the figure along as one more event, `addClassSeconds`. A class's
tearDownClass failure, which unittest reports against a placeholder and which Django's replay would pin on the
class's last test (turning one of its passes into a failure), is sent as its own event, `addClassError`.
"""

from __future__ import annotations

import argparse
import time
import unittest
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.test.runner import DiscoverRunner, ParallelTestSuite, RemoteTestResult, RemoteTestRunner

from mcpsite.bytecode import compile_checkout
from mcpsite.datadir import ensure_database_directory

SLOWEST_SHOWN = 10


def class_name(test: unittest.TestCase) -> str:
    return f"{type(test).__module__}.{type(test).__qualname__}"


class TimedResult(unittest.TextTestResult):
    """Times each test class from the end of the one before, so its setUpClass and tearDownClass count; in a
    parallel run, takes the times the workers measured instead."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.class_seconds: defaultdict[str, float] = defaultdict(float)
        self.timed_by_workers = False
        self._mark = time.monotonic()

    def stopTest(self, test: unittest.TestCase) -> None:
        super().stopTest(test)
        now = time.monotonic()
        if not self.timed_by_workers:
            self.class_seconds[class_name(test)] += now - self._mark
        self._mark = now

    def addClassSeconds(self, test: unittest.TestCase, seconds: float) -> None:
        """A worker's time for `test`'s class (its tests, setUpClass and tearDownClass)."""
        self.class_seconds[class_name(test)] += seconds

    def addClassError(self, test: unittest.TestCase, holder_id: str, err: Any) -> None:
        """A worker's error outside any test of `test`'s class (tearDownClass, tearDownModule): as unittest reports
        it in one process, against a placeholder, so that no test that passed counts as failed."""
        self.addError(unittest.suite._ErrorHolder(holder_id), err)  # type: ignore[attr-defined]


class TimedRemoteResult(RemoteTestResult):
    """A worker's result: an error of a placeholder after the first test (a class's or module's tear-down) goes
    back as `addClassError`, not as an error of the last test that ran."""

    def addError(self, test: Any, err: Any) -> None:
        if self.test_index >= 0 and isinstance(test, unittest.suite._ErrorHolder):  # type: ignore[attr-defined]
            self.check_picklable(test, err)
            self.events.append(("addClassError", self.test_index, test.id(), err))
            unittest.TestResult.addError(self, test, err)
            return
        super().addError(test, err)


class TimedRemoteRunner(RemoteTestRunner):
    resultclass = TimedRemoteResult


def run_timed_subsuite(args: tuple[Any, ...]) -> tuple[int, list[tuple[Any, ...]]]:
    """In a worker: run one test class (Django's subsuite) and add its wall time as the last event."""
    started = time.monotonic()
    index, events = ParallelTestSuite.run_subsuite(args)
    return index, [*events, ("addClassSeconds", 0, time.monotonic() - started)]


class TimedParallelSuite(ParallelTestSuite):
    runner_class = TimedRemoteRunner
    run_subsuite = run_timed_subsuite

    def run(self, result: unittest.TestResult, debug: bool = False) -> unittest.TestResult:
        if isinstance(result, TimedResult):
            result.timed_by_workers = True
        return super().run(result)  # type: ignore[no-any-return]


class Runner(DiscoverRunner):
    parallel_test_suite = TimedParallelSuite

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        super().add_arguments(parser)
        # One worker process per core unless told otherwise (`--parallel 1` for one process, e.g. to debug).
        parser.set_defaults(parallel="auto")

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
        # Django clones an SQLite test database for each worker by copying its file, but in WAL mode the
        # migrations are still in the `-wal` file beside it: a copy taken then has no tables. Create, write the log
        # into the file, then clone.
        workers, self.parallel = self.parallel, 0
        try:
            old_config = super().setup_databases(**kwargs)
        finally:
            self.parallel = workers
        if workers > 1:
            for connection, _, first in old_config:
                if first:
                    checkpoint(connection)
                    for number in range(1, workers + 1):
                        connection.creation.clone_test_db(str(number), verbosity=self.verbosity, keepdb=self.keepdb)
        return old_config

    def suite_result(self, suite: Any, result: Any, **kwargs: Any) -> int:
        passed, failed, skipped = closing_counts(result)
        if isinstance(result, TimedResult) and result.testsRun > SLOWEST_SHOWN:
            print("slowest test classes:")
            slowest = sorted(result.class_seconds.items(), key=lambda item: item[1], reverse=True)
            for name, seconds in slowest[:SLOWEST_SHOWN]:
                print(f"  {seconds:6.1f} s  {name}")
        print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
        return super().suite_result(suite, result, **kwargs)


def checkpoint(connection: Any) -> None:
    """Move an SQLite database's write-ahead log into its file, so that a copy of the file alone is complete."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _, _ = cursor.fetchone()
    if busy:
        raise RuntimeError(f"could not write the log of {connection.settings_dict['NAME']} into it before cloning")


def closing_counts(result: unittest.TestResult) -> tuple[int, int, int]:
    """Passed, failed and skipped, where a failed setUpClass/setUpModule counts as one failure.

    unittest reports such a failure as an error of a placeholder that is not a test and was never counted in
    `testsRun`: subtracting it from `testsRun` would undercount passes (down to "-1 passed"). A test with several
    failing subtests counts once, as it counts once in `testsRun`: by its id, since in a parallel run a failing
    subtest arrives with an unpickled copy of its test, not the test the other events name."""
    problems = [test for test, _ in (*result.failures, *result.errors)]
    ran_and_failed = {getattr(test, "test_case", test).id() for test in problems if isinstance(test, unittest.TestCase)}
    set_up_failed = sum(1 for test in problems if not isinstance(test, unittest.TestCase))
    unexpected = len(getattr(result, "unexpectedSuccesses", []))
    skipped = len(result.skipped)
    passed = result.testsRun - len(ran_and_failed) - unexpected - skipped
    return passed, len(ran_and_failed) + unexpected + set_up_failed, skipped
