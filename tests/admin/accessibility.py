"""What the browser tests check on every admin page: no horizontal overflow, and no serious or critical
accessibility violation found by axe-core (colour contrast included).

axe-core comes from npm: installed once with `npm ci` from tests/admin/axe/package.json and its lock into a
cache directory keyed by the lock's hash (var/test-cache/ unless KUBEMCP_TEST_CACHE says otherwise), then
injected into each page as a script.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.npm_cache import npm_installed

HERE = Path(__file__).resolve().parent / "axe"
AXE_FILE = "node_modules/axe-core/axe.min.js"
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
    installed = npm_installed(HERE, ("package.json", "package-lock.json"), name="axe-core", installed=AXE_FILE)
    return (installed / AXE_FILE).read_text()


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
