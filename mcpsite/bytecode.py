"""Byte-compiling the checkout's own packages, as installing the wheel does.

Where PYTHONDONTWRITEBYTECODE is set (this project's image, some CI machines) Python never writes the `.pyc` of a
module it imports, so every server started from a checkout compiles its ~120 modules from source again (~0.3 s of
CPU a start). The benchmarks time starts as an installed server makes them, and the test suite starts some two
hundred servers: both compile once first. `compileall` writes the files whatever that variable says.
"""

from __future__ import annotations

import compileall
from pathlib import Path

# What a kubemcp worker imports from a checkout.
PACKAGES = ("asgiwire", "fakekube", "k8stools", "mcpsite", "oauthgw", "staffaccess")
CHECKOUT = Path(__file__).resolve().parent.parent


def compile_checkout() -> None:
    """Write the `.pyc` of every module of `PACKAGES` that has none or an outdated one."""
    for package in PACKAGES:
        compileall.compile_dir(CHECKOUT / package, quiet=2)
