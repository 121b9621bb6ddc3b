"""The runner's closing line (`N passed, N failed, N skipped`) is what CI reads: it must add up, in one process and
in parallel, where each worker's events are replayed in the main process."""

from __future__ import annotations

import argparse
import io
import pickle
import shutil
import sqlite3
import tempfile
import unittest
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections

from mcpsite.testrunner import (
    Runner,
    TimedParallelSuite,
    TimedResult,
    checkpoint,
    closing_counts,
    run_timed_subsuite,
)
from tests.core import runner_cases


def cases() -> tuple[type[unittest.TestCase], type[unittest.TestCase], type[unittest.TestCase]]:
    """Test classes that fail on purpose: in a module that is not a test module, so the suite does not run them,
    and at its top level, so a worker's result can pickle them (as it pickles a failing subtest)."""
    return runner_cases.BrokenSetUp, runner_cases.BrokenTearDown, runner_cases.Mixed


def run(*cases: type[unittest.TestCase]) -> TimedResult:
    suite = unittest.TestSuite(unittest.defaultTestLoader.loadTestsFromTestCase(case) for case in cases)
    result = TimedResult(io.StringIO(), descriptions=False, verbosity=0)
    suite.run(result)
    return result


def run_as_workers(*cases: type[unittest.TestCase]) -> TimedResult:
    """What a parallel run does, without its processes (a test worker may not start any): each class runs as a
    worker runs it, its events cross a pickle as they cross the pool, and are replayed into the main result
    against the main process's own copy of the class's tests, which never ran."""
    load = unittest.defaultTestLoader.loadTestsFromTestCase
    replay = TimedParallelSuite([load(case) for case in cases], processes=2)
    result = TimedResult(io.StringIO(), descriptions=False, verbosity=0)
    result.timed_by_workers = True
    for index, case in enumerate(cases):
        _, events = run_timed_subsuite((TimedParallelSuite.runner_class, index, load(case), False, False))
        tests = list(replay.subsuites[index])
        for event in pickle.loads(pickle.dumps(events)):
            replay.handle_event(result, tests, event)
    return result


class ClosingCountTests(unittest.TestCase):
    def test_a_failed_class_set_up_counts_as_a_failure_not_as_minus_one_pass(self) -> None:
        broken, _, _ = cases()
        self.assertEqual(closing_counts(run(broken)), (0, 1, 0))

    def test_passes_failures_and_skips_add_up_with_subtests_counted_once(self) -> None:
        broken, _, mixed = cases()
        self.assertEqual(closing_counts(run(mixed, broken)), (1, 3, 1))

    def test_a_failed_class_tear_down_counts_as_one_more_failure_not_as_a_lost_pass(self) -> None:
        _, broken, _ = cases()
        self.assertEqual(closing_counts(run(broken)), (1, 1, 0))


class ParallelCountTests(unittest.TestCase):
    """The same classes, replayed from workers, give the same counts as in one process."""

    def test_a_failed_class_set_up_counts_once(self) -> None:
        broken, _, _ = cases()
        self.assertEqual(closing_counts(run_as_workers(broken)), (0, 1, 0))

    def test_a_failed_class_tear_down_is_not_pinned_on_the_test_that_passed(self) -> None:
        _, broken, _ = cases()
        result = run_as_workers(broken)
        self.assertEqual(closing_counts(result), (1, 1, 0))
        self.assertIn("tearDownClass", str(result.errors[0][0]))

    def test_subtests_failing_in_a_worker_count_their_test_once(self) -> None:
        set_up, tear_down, mixed = cases()
        result = run_as_workers(mixed, set_up, tear_down)
        self.assertEqual(closing_counts(result), (2, 4, 1))
        self.assertEqual(len(result.failures), 3)  # test_fails and each failing subtest, all reported

    def test_each_class_has_the_time_its_worker_measured(self) -> None:
        set_up, tear_down, mixed = cases()
        result = run_as_workers(set_up, tear_down, mixed)
        self.assertEqual(set(result.class_seconds), {f"{case.__module__}.{case.__qualname__}" for case in cases()})


class ParallelDefaultTests(unittest.TestCase):
    def test_the_suite_runs_one_worker_per_core_unless_told_otherwise(self) -> None:
        parser = argparse.ArgumentParser()
        Runner.add_arguments(parser)
        self.assertEqual(parser.parse_args([]).parallel, "auto")
        self.assertEqual(parser.parse_args(["--parallel", "1"]).parallel, 1)

    def test_a_checkpointed_sqlite_file_copied_alone_has_what_was_written(self) -> None:
        """Django clones a worker's database by copying the file: in WAL mode, only after a checkpoint is it whole."""
        default = connections[DEFAULT_DB_ALIAS]
        if default.vendor != "sqlite":
            self.skipTest("the test database is not SQLite")
        with tempfile.TemporaryDirectory() as directory:
            original, copy = Path(directory) / "original.sqlite3", Path(directory) / "copy.sqlite3"
            database = type(default)({**default.settings_dict, "NAME": str(original)}, alias="checkpointed")
            try:
                with database.cursor() as cursor:
                    cursor.execute("CREATE TABLE written (value TEXT)")
                    cursor.execute("INSERT INTO written VALUES ('kept')")
                checkpoint(database)
                shutil.copy(original, copy)
            finally:
                database.close()
            with sqlite3.connect(copy) as copied:
                self.assertEqual(copied.execute("SELECT value FROM written").fetchall(), [("kept",)])
