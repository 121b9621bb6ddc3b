"""npm packages the tests need (the OIDC provider, axe-core), installed once with `npm ci` into a cache.

Each set of files (a package.json, its lock, and whatever else the install is made of) is installed into a
directory of `var/test-cache/` (or `KUBEMCP_TEST_CACHE`) keyed by the hash of those files, so a changed lock
installs again and parallel runs never see a half-installed directory (they install aside, then rename).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def npm_installed(source: Path, files: tuple[str, ...], *, name: str, installed: str) -> Path:
    """The cache directory holding `files` of `source` and their node_modules; `installed` is a path below it that
    exists once the install is complete."""
    if not shutil.which("node") or not shutil.which("npm"):
        raise RuntimeError(f"Node.js and npm are needed for {name} (.ci/prerequisites installs them)")
    digest = hashlib.sha256(b"".join((source / file).read_bytes() for file in files)).hexdigest()[:16]
    root = Path(os.environ.get("KUBEMCP_TEST_CACHE", BASE_DIR / "var" / "test-cache"))
    target = root / f"{name}-{digest}"
    if (target / installed).exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=target.parent))
    for file in files:
        shutil.copy(source / file, staging / file)
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=staging,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeError(f"npm ci failed for {name}:\n{result.stderr[-3000:]}")
    try:
        staging.rename(target)
    except OSError:  # another run installed it meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    return target
