"""CI checks style and types before it spends its time on the tests."""

from __future__ import annotations

import unittest
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class CIScriptTests(unittest.TestCase):
    def test_it_runs_ruff_check_ruff_format_and_mypy_before_the_tests_and_stops_on_a_failure(self) -> None:
        lines = [line.strip() for line in (BASE_DIR / ".ci" / "run").read_text().splitlines()]
        self.assertIn("set -euo pipefail", lines)
        steps = [".venv/bin/ruff check .", ".venv/bin/ruff format --check .", ".venv/bin/mypy"]
        positions = [lines.index(step) for step in steps]
        tests = next(index for index, line in enumerate(lines) if "manage.py test" in line)
        self.assertLess(max(positions), tests)
