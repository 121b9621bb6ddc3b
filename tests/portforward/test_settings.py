"""The PORT_FORWARD_* settings, read in a fresh process as an operator meets them."""

from __future__ import annotations

import os
import subprocess
import sys
import unittest
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CLEAN = {key: value for key, value in os.environ.items() if not key.startswith("PORT_FORWARD_")}
PRINT_CONFIG = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='mcpsite.settings'; django.setup(); "
    "from k8stools.portforward.config import PortForwardConfig; print(PortForwardConfig.from_settings())"
)


def config_with(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PRINT_CONFIG], cwd=BASE_DIR, env={**CLEAN, **env},
                          capture_output=True, text=True, timeout=60)  # fmt: skip


class PortForwardSettingsTests(unittest.TestCase):
    def test_the_defaults(self) -> None:
        result = config_with()

        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(
            result.stdout.strip(),
            "PortForwardConfig(bind_address='127.0.0.1', in_cluster=False, max_per_user=5, max_total=50, "
            "max_connections=64, idle_timeout_seconds=900.0, check_seconds=10.0)",
        )

    def test_every_setting_comes_from_the_environment(self) -> None:
        result = config_with(
            PORT_FORWARD_BIND_ADDRESS="::1",
            PORT_FORWARD_IN_CLUSTER="true",
            PORT_FORWARD_MAX_PER_USER="2",
            PORT_FORWARD_MAX_TOTAL="7",
            PORT_FORWARD_MAX_CONNECTIONS="3",
            PORT_FORWARD_IDLE_TIMEOUT_SECONDS="0",
            PORT_FORWARD_CHECK_SECONDS="2.5",
        )

        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(
            result.stdout.strip(),
            "PortForwardConfig(bind_address='::1', in_cluster=True, max_per_user=2, max_total=7, "
            "max_connections=3, idle_timeout_seconds=0.0, check_seconds=2.5)",
        )

    def test_bad_values_are_refused_with_the_variable_named(self) -> None:
        cases = {
            "PORT_FORWARD_BIND_ADDRESS": ("localhost", "use an IP address such as 127.0.0.1"),
            "PORT_FORWARD_MAX_PER_USER": ("0", "PORT_FORWARD_MAX_PER_USER"),
            "PORT_FORWARD_CHECK_SECONDS": ("0", "PORT_FORWARD_CHECK_SECONDS"),
        }
        for name, (value, message) in cases.items():
            with self.subTest(name):
                result = config_with(**{name: value})
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(message, result.stderr)
