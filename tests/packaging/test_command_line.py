"""How the `kubemcp` command reads its arguments: which transport, which subcommand, which settings."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from k8stools.management.launcher import kubemcp_launcher
from mcpsite import cli, datadir


def parse(*words: str) -> argparse.Namespace:
    before, _ = cli.split_manage(list(words))
    return cli.build_parser().parse_args(before)


class ArgumentTests(unittest.TestCase):
    def test_no_arguments_means_stdio_as_the_other_mcp_servers(self) -> None:
        self.assertIn("--transport", arguments := cli.serve_arguments(parse()))
        self.assertEqual(arguments[arguments.index("--transport") + 1], "stdio")

    def test_a_port_or_a_host_means_streamable_http(self) -> None:
        for words, address in (
            (["--port", "9000"], "127.0.0.1:9000"),
            (["--host", "0.0.0.0"], "0.0.0.0:8000"),
            (["--host", "::1", "--port", "0"], "[::1]:0"),
        ):
            with self.subTest(words):
                arguments = cli.serve_arguments(parse(*words))
                self.assertEqual(arguments[arguments.index("--transport") + 1], "http")
                self.assertEqual(arguments[arguments.index("--http-addr") + 1], address)

    def test_demo_serves_http_with_the_demo_cluster_unless_asked_for_stdio(self) -> None:
        arguments = cli.serve_arguments(parse("demo", "--pods", "5"))
        self.assertIn("--demo", arguments)
        self.assertEqual(arguments[arguments.index("--demo-pods") + 1], "5")
        self.assertEqual(arguments[arguments.index("--http-addr") + 1], "127.0.0.1:8000")
        stdio = cli.serve_arguments(parse("demo", "--stdio"))
        self.assertEqual(stdio[stdio.index("--transport") + 1], "stdio")

    def test_everything_after_manage_goes_to_django_untouched(self) -> None:
        self.assertEqual(cli.split_manage(["manage", "migrate", "--noinput"]), (["manage"], ["migrate", "--noinput"]))
        self.assertEqual(
            cli.split_manage(["--log-level", "debug", "manage", "--help"]),
            (["--log-level", "debug", "manage"], ["--help"]),
        )

    def test_a_context_named_manage_is_not_the_subcommand(self) -> None:
        self.assertEqual(cli.split_manage(["--context", "manage"]), (["--context", "manage"], None))

    def test_unknown_flags_and_bad_values_are_refused_with_usage(self) -> None:
        for words in (
            ["--transport", "stdio"],
            ["--port", "eighty"],
            ["--log-level", "loud"],
            ["demo", "--context", "x"],
        ):
            with self.subTest(words), self.assertRaises(SystemExit) as raised, mock.patch("sys.stderr"):
                parse(*words)
            self.assertEqual(raised.exception.code, 2)


class LauncherTests(unittest.TestCase):
    def test_what_the_server_prints_names_the_command_the_user_ran(self) -> None:
        cases = {
            "kubemcp": ("kubemcp manage createsuperuser", {"command": "kubemcp", "args": ["demo", "--stdio"]}),
            "uvx kubemcp": (
                "uvx kubemcp manage createsuperuser",
                {"command": "uvx", "args": ["kubemcp", "demo", "--stdio"]},
            ),
            "'/opt/my tools/bin/kubemcp'": (
                "'/opt/my tools/bin/kubemcp' manage createsuperuser",
                {"command": "/opt/my tools/bin/kubemcp", "args": ["demo", "--stdio"]},
            ),
        }
        for words, (manage, client) in cases.items():
            with self.subTest(words):
                launcher = kubemcp_launcher(words)
                self.assertEqual(launcher.manage("createsuperuser"), manage)
                self.assertEqual(launcher.stdio_client(demo=True), client)

    def test_uvx_runs_from_its_cache_so_the_advice_is_uvx_kubemcp(self) -> None:
        script = "/home/me/.cache/uv/archive-v0/AbC/bin/kubemcp"
        with mock.patch.object(sys, "argv", [script]), mock.patch.dict(os.environ, {"UV": "/usr/bin/uv"}):
            self.assertEqual(cli.launcher_command(), "uvx kubemcp")


class EnvironmentTests(unittest.TestCase):
    def setUp(self) -> None:
        patcher = mock.patch.dict(os.environ, {}, clear=False)
        patcher.start()
        self.addCleanup(patcher.stop)
        for name in (
            "KUBECONFIG",
            "KUBE_CONTEXT",
            "NON_DESTRUCTIVE",
            "ALLOWED_OPERATIONS",
            "LOG_LEVEL",
            "KUBEMCP_DEMO",
        ):
            os.environ.pop(name, None)

    def test_the_peers_flags_become_the_settings_variables(self) -> None:
        os.environ["ALLOWED_OPERATIONS"] = "scale"
        cli.apply_options(
            parse("--kubeconfig", "kube.yaml", "--context", "prod", "--read-only", "--log-level", "debug")
        )
        self.assertEqual(os.environ["KUBECONFIG"], str(Path("kube.yaml").resolve()))
        self.assertEqual(os.environ["KUBE_CONTEXT"], "prod")
        self.assertEqual(os.environ["READ_ONLY"], "true")
        self.assertEqual(os.environ["NON_DESTRUCTIVE"], "true")
        self.assertEqual(os.environ["ALLOWED_OPERATIONS"], "")
        self.assertEqual(os.environ["LOG_LEVEL"], "DEBUG")
        self.assertNotIn("KUBEMCP_DEMO", os.environ)

    def test_flags_before_the_demo_subcommand_are_kept(self) -> None:
        cli.apply_options(parse("--log-level", "warning", "demo"))
        self.assertEqual(os.environ["LOG_LEVEL"], "WARNING")
        self.assertEqual(os.environ["KUBEMCP_DEMO"], "true")

    def test_no_flag_leaves_the_environment_in_charge(self) -> None:
        os.environ["KUBE_CONTEXT"] = "from-env"
        cli.apply_options(parse())
        self.assertEqual(os.environ["KUBE_CONTEXT"], "from-env")
        self.assertNotIn("NON_DESTRUCTIVE", os.environ)


class DataDirectoryTests(unittest.TestCase):
    def test_a_checkout_keeps_its_data_in_var(self) -> None:
        with tempfile.TemporaryDirectory() as directory, mock.patch.dict(os.environ):
            os.environ.pop("DATA_DIR", None)
            root = Path(directory)
            (root / "manage.py").touch()
            (root / "pyproject.toml").touch()
            self.assertEqual(datadir.data_dir(root), root / "var")

    def test_an_install_keeps_its_data_in_the_user_data_directory(self) -> None:
        with tempfile.TemporaryDirectory() as directory, mock.patch.dict(os.environ, {"XDG_DATA_HOME": directory}):
            os.environ.pop("DATA_DIR", None)
            self.assertEqual(datadir.data_dir(Path(directory) / "site-packages"), Path(directory) / "kubemcp")

    def test_data_dir_overrides_both(self) -> None:
        with mock.patch.dict(os.environ, {"DATA_DIR": "/srv/kubemcp"}):
            self.assertEqual(datadir.data_dir(Path("/anywhere")), Path("/srv/kubemcp"))

    def test_the_database_folder_is_made_when_a_process_starts_and_not_for_memory_databases(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            database = Path(directory) / "a" / "b" / "db.sqlite3"
            datadir.ensure_database_directory(
                {
                    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)},
                    "memory": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
                    "pg": {"ENGINE": "django.db.backends.postgresql", "NAME": str(Path(directory) / "pg" / "x")},
                }
            )
            self.assertTrue(database.parent.is_dir())
            self.assertFalse((Path(directory) / "pg").exists())

    def test_reading_the_settings_creates_no_folder(self) -> None:
        code = (
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'mcpsite.settings'; django.setup(); "
            "from django.conf import settings; print(settings.DATA_DIR)"
        )
        with tempfile.TemporaryDirectory() as directory:
            data = Path(directory) / "data"
            env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "STATIC_ROOT")}
            done = subprocess.run(
                [sys.executable, "-c", code],
                env={**env, "DATA_DIR": str(data)},
                cwd=datadir.BASE_DIR,
                capture_output=True,
                text=True,
                timeout=120,
            )
            self.assertEqual(done.stdout.strip(), str(data), done.stderr)
            self.assertFalse(data.exists())

    def test_a_bad_setting_stops_the_command_with_one_line(self) -> None:
        done = subprocess.run(
            [sys.executable, "-c", "from mcpsite.cli import main; main(['manage', 'check'])"],
            env={**os.environ, "QPS_LIMIT": "fast"},
            cwd=datadir.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(done.returncode, 2)
        self.assertTrue(done.stderr.startswith("kubemcp: configuration error: "), done.stderr)
        self.assertIn("QPS_LIMIT", done.stderr)
        self.assertNotIn("Traceback", done.stderr)
