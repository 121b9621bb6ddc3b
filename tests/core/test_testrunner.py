"""The runner's closing line (`N passed, N failed, N skipped`) is what CI reads: it must add up."""

from __future__ import annotations

import io
import unittest

from mcpsite.testrunner import TimedResult, closing_counts


def cases() -> tuple[type[unittest.TestCase], type[unittest.TestCase]]:
    """Test classes built here, not at module level, so that the suite itself does not discover and run them."""

    class BrokenSetUp(unittest.TestCase):
        @classmethod
        def setUpClass(cls) -> None:
            raise RuntimeError("the class set-up failed")

        def test_never_runs(self) -> None:
            pass

    class Mixed(unittest.TestCase):
        def test_passes(self) -> None:
            pass

        def test_fails(self) -> None:
            self.fail("fails")

        def test_fails_in_two_subtests(self) -> None:
            for value in (1, 2):
                with self.subTest(value=value):
                    self.fail("fails")

        @unittest.skip("skipped")
        def test_skipped(self) -> None:
            pass

    return BrokenSetUp, Mixed


def run(*cases: type[unittest.TestCase]) -> unittest.TestResult:
    suite = unittest.TestSuite(unittest.defaultTestLoader.loadTestsFromTestCase(case) for case in cases)
    result = TimedResult(io.StringIO(), descriptions=False, verbosity=0)
    suite.run(result)
    return result


class ClosingCountTests(unittest.TestCase):
    def test_a_failed_class_set_up_counts_as_a_failure_not_as_minus_one_pass(self) -> None:
        broken, _ = cases()
        self.assertEqual(closing_counts(run(broken)), (0, 1, 0))

    def test_passes_failures_and_skips_add_up_with_subtests_counted_once(self) -> None:
        broken, mixed = cases()
        self.assertEqual(closing_counts(run(mixed, broken)), (1, 3, 1))
