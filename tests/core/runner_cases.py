"""Test classes that fail on purpose, for the test runner's own tests (tests/core/test_testrunner.py). Not a test
module (its name does not start with "test"): the suite never discovers them."""

from __future__ import annotations

import unittest


class BrokenSetUp(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        raise RuntimeError("the class set-up failed")

    def test_never_runs(self) -> None:
        pass


class BrokenTearDown(unittest.TestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        raise RuntimeError("the class tear-down failed")

    def test_passes(self) -> None:
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
