"""What the browser tests check on every admin page: no horizontal overflow, and no serious or critical
accessibility violation found by axe-core (colour contrast included).

axe-core comes from npm: installed once with `npm ci` from tests/admin/axe/package.json and its lock into a
cache directory keyed by the lock's hash (var/test-cache/ unless KUBEMCP_TEST_CACHE says otherwise), then
injected into each page as a script.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent / "axe"
BASE_DIR = HERE.parent.parent.parent
BLOCKING_IMPACTS = ("serious", "critical")
# Measures the page and every element that draws itself past the right edge of the viewport.
OVERFLOW_SCRIPT = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.querySelectorAll('body *')) {
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1 && getComputedStyle(element).visibility !== 'hidden') {
      wide.push((element.id ? '#' + element.id : element.tagName.toLowerCase()) + ' right=' + Math.round(box.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 10)};
}"""
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').split('\\n').join(' '))}));
}"""


def axe_script() -> str:
    """The text of axe.min.js, installing axe-core from npm on first use."""
    if not shutil.which("npm"):
        raise RuntimeError("npm is needed to install axe-core for the browser accessibility checks")
    lock = (HERE / "package-lock.json").read_bytes()
    root = Path(os.environ.get("KUBEMCP_TEST_CACHE", BASE_DIR / "var" / "test-cache"))
    target = root / f"axe-core-{hashlib.sha256(lock).hexdigest()[:16]}"
    script = target / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="axe-core-", dir=target.parent))
        for name in ("package.json", "package-lock.json"):
            shutil.copy(HERE / name, staging / name)
        result = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=staging,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise RuntimeError(f"npm ci failed for axe-core:\n{result.stderr[-3000:]}")
        try:
            staging.rename(target)
        except OSError:  # another run installed it meanwhile
            shutil.rmtree(staging, ignore_errors=True)
    return script.read_text()


def overflow_problem(measured: dict[str, Any]) -> str | None:
    """A description of the horizontal overflow that OVERFLOW_SCRIPT measured, or None."""
    if measured["scrollWidth"] <= measured["width"] + 1:
        return None
    return f"page is {measured['scrollWidth']} px wide in a {measured['width']} px viewport: {measured['wide']}"


def blocking_violations(violations: list[dict[str, Any]]) -> list[str]:
    """The serious and critical violations axe found, one line each."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {'; '.join(v['nodes'])}"
        for v in violations
        if v.get("impact") in BLOCKING_IMPACTS
    ]
