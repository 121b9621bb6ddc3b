"""The layering the design names: `mcpsite` assembles the parts, and no part imports it back."""

from __future__ import annotations

import ast
import unittest
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PARTS = ("k8stools", "oauthgw", "staffaccess", "asgiwire")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


class LayeringTests(unittest.TestCase):
    def test_no_part_imports_the_project_that_assembles_it(self) -> None:
        offenders = {
            str(path.relative_to(BASE_DIR)): sorted(
                module for module in imported_modules(path) if module.split(".")[0] == "mcpsite"
            )
            for part in PARTS
            for path in (BASE_DIR / part).rglob("*.py")
        }
        self.assertEqual({path: modules for path, modules in offenders.items() if modules}, {})

    def test_the_wire_helpers_know_nothing_of_django_or_the_sdk(self) -> None:
        modules = imported_modules(BASE_DIR / "asgiwire" / "__init__.py")
        self.assertFalse({module for module in modules if module.split(".")[0] in ("django", "mcp", "mcp_types")})
