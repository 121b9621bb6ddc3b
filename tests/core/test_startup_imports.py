"""What a server's start leaves unloaded: Twisted and daphne are for `serve` over HTTP only, the `kubernetes`
package (every model and API class, ~0.25 s of CPU) waits for the first call that talks to a cluster, and
`jsonschema` (arguments' validation) for the first tool call. What it keeps: no garbage from migrations."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

BASE_DIR = Path(__file__).resolve().parents[2]

# Everything `serve --transport stdio` loads before it answers `tools/list`: Django, the command, the MCP server
# and its tools, and the list itself.
PROBE = """
import sys
import anyio
import django
django.setup()
from django.core.management import call_command, load_command_class
call_command("migrate", verbosity=0)
load_command_class("k8stools", "serve")
from k8stools.server import KubeMCPServer
tools = anyio.run(KubeMCPServer().list_tools)
assert any(tool.name == "get" for tool in tools), tools
print("loaded:" + ",".join(name for name in ("daphne.server", "twisted", "kubernetes", "jsonschema") if name in sys.modules))
"""


class ProbeInOwnDatabase:
    """Runs probe scripts in fresh processes that share a SQLite database of their own (in a temporary directory)."""

    def __init__(self, test: SimpleTestCase) -> None:
        self.test = test
        data_dir = test.enterContext(tempfile.TemporaryDirectory())
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "mcpsite.settings",
            "DATA_DIR": data_dir,
            "DATABASE_URL": f"sqlite:///{data_dir}/db.sqlite3",
        }

    def last_line(self, probe: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", probe], cwd=BASE_DIR, env=self.env, capture_output=True, text=True, timeout=120
        )
        self.test.assertEqual(result.returncode, 0, result.stderr[-2000:])
        return result.stdout.strip().splitlines()[-1]


class StartupImportTests(SimpleTestCase):
    def test_a_stdio_server_answers_tools_list_without_daphne_twisted_kubernetes_or_jsonschema(self) -> None:
        probe = ProbeInOwnDatabase(self)
        self.assertEqual(probe.last_line(PROBE), "loaded:")

    def test_management_commands_set_up_django_without_the_mcp_sdk_or_kubernetes(self) -> None:
        # migrate, check, createsuperuser...: the SDK's pydantic models alone are ~1 s of CPU.
        probe = "import sys, django\ndjango.setup()\nprint('loaded:' + ','.join(n for n in ('mcp', 'kubernetes') if n in sys.modules))\n"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mcpsite.settings"}
        result = subprocess.run(
            [sys.executable, "-c", probe], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
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


# The start of `serve` up to the point where it freezes what start-up made (k8stools.management.start_gc).
FROZEN_PROBE = """
import gc
from k8stools.management import start_gc
start_gc.pause()
import django
django.setup()
from k8stools.management.commands.serve import apply_pending_migrations
apply_pending_migrations()
start_gc.resume(freeze=True)
print(gc.get_freeze_count())
"""


class StartupMemoryTests(SimpleTestCase):
    def test_a_start_that_migrates_freezes_no_more_than_one_that_does_not(self) -> None:
        # Migrations drop ~350,000 objects in cycles (rendered model states); with the collector paused through
        # them, the freeze kept them all for the life of the server (+70 MB).
        probe = ProbeInOwnDatabase(self)  # the same database twice: the first start migrates it
        migrating, migrated = int(probe.last_line(FROZEN_PROBE)), int(probe.last_line(FROZEN_PROBE))
        self.assertLess(migrating, 1.5 * migrated)
