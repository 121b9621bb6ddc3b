"""What a process that does not serve HTTP leaves unloaded: Twisted and daphne are for `serve` over HTTP only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.test import SimpleTestCase

BASE_DIR = Path(__file__).resolve().parents[2]

# Everything `serve --transport stdio` loads before it answers: Django, the command, the MCP server and its tools.
PROBE = """
import sys
import django
django.setup()
from django.core.management import load_command_class
load_command_class("k8stools", "serve")
from k8stools.server import KubeMCPServer
KubeMCPServer()
print("loaded:" + ",".join(name for name in ("daphne.server", "twisted") if name in sys.modules))
"""


class StartupImportTests(SimpleTestCase):
    def test_a_stdio_server_loads_neither_daphne_nor_twisted(self) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mcpsite.settings"}
        result = subprocess.run(
            [sys.executable, "-c", PROBE], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
        )
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertEqual(result.stdout.strip().splitlines()[-1], "loaded:")

    def test_the_http_server_module_installs_the_asyncio_reactor(self) -> None:
        probe = "import k8stools.management.daphne_server, sys\nfrom twisted.internet import reactor\nprint(type(reactor).__name__)\n"
        result = subprocess.run(
            [sys.executable, "-c", probe], cwd=BASE_DIR, capture_output=True, text=True, timeout=120
        )
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertEqual(result.stdout.strip(), "AsyncioSelectorReactor")
