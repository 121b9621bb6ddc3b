"""Workers started together on a fresh database all come up: `migrate` runs one at a time per database, the later
run finding nothing left to apply, on PostgreSQL (an advisory lock) and on SQLite (a lock file). The Kubernetes
deployment's init containers, one per pod started at once, are run as shipped in test_as_shipped.

PostgreSQL (127.0.0.1:5432) runs on this machine (CI starts it); when it is unreachable the tests fail and say so.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
from django.db.utils import ConnectionHandler
from django.test import SimpleTestCase
from filelock import FileLock

from k8stools.migrating import ADVISORY_LOCK_KEY, LOCK_FILE_NAME, MigrationLockTimeout, migration_lock
from tests.deploy.shipped import run_together
from tests.live import BASE_DIR, free_port, server_environment, wait_until_answering
from tests.multiworker.backends import POSTGRES, create_database, database_url, sql

NOTHING_TO_APPLY = "No migrations to apply."


def migrations_on_disk() -> int:
    """How many migrations the installed apps have, read in a fresh process like any worker."""
    count = subprocess.run(
        [sys.executable, "-c", COUNT_MIGRATIONS], cwd=BASE_DIR, env=server_environment(), capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert count.returncode == 0, count.stderr
    return int(count.stdout)


COUNT_MIGRATIONS = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'mcpsite.settings'; django.setup(); "
    "from django.db.migrations.loader import MigrationLoader; "
    "print(len(MigrationLoader(None, ignore_no_migrations=True).disk_migrations))"
)


def migrate_together(env: dict[str, str], runs: int = 2) -> list[subprocess.CompletedProcess[str]]:
    """`runs` processes of `manage.py migrate --noinput`, started at once."""
    return run_together([sys.executable, "manage.py", "migrate", "--noinput"], env, runs)


class ConcurrentMigrateTests(SimpleTestCase):
    def assert_one_applied_and_the_other_found_nothing(self, results: list[subprocess.CompletedProcess[str]]) -> None:
        for result in results:
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertNotIn("Traceback", result.stderr)
        self.assertEqual(sorted(NOTHING_TO_APPLY in result.stdout for result in results), [False, True])

    def test_two_migrate_runs_started_together_on_a_fresh_sqlite_file_both_succeed(self) -> None:
        directory = Path(self.enterContext(tempfile.TemporaryDirectory()))
        results = migrate_together(server_environment(DATABASE_URL=f"sqlite:///{directory / 'kubemcp.sqlite3'}"))
        self.assert_one_applied_and_the_other_found_nothing(results)
        self.assertTrue((directory / ".kubemcp-migrate.lock").exists())

    def test_two_serve_workers_started_together_on_a_fresh_postgresql_database_both_come_up(self) -> None:
        """`manage.py serve` applies pending migrations before it listens: the path `kubemcp` and `serve` take."""
        stack = self.enterContext(contextlib.ExitStack())
        database = create_database(stack, "kubemcp_serve")
        env = server_environment(DATABASE_URL=database_url(database), KUBECONFIG=str(BASE_DIR / "no-such-kubeconfig"))
        logs = Path(self.enterContext(tempfile.TemporaryDirectory()))
        workers = []
        for number in range(2):
            port, log_path = free_port(), logs / f"worker-{number}.log"
            command = [sys.executable, "manage.py", "serve", "--http-addr", f"127.0.0.1:{port}"]
            with open(log_path, "w") as log:
                process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
            stack.callback(stop, process)
            workers.append((process, port, log_path))
        for process, port, log_path in workers:

            def output(log_path: Path = log_path) -> str:
                return log_path.read_text(errors="replace")[-5000:]

            answering = wait_until_answering(
                process, f"http://127.0.0.1:{port}/healthz", what="a serve worker", timeout=120, log=output
            )
            self.assertTrue(answering, output())
        rows = sql(database, "SELECT count(*), count(DISTINCT (app, name)) FROM django_migrations")
        self.assertEqual(rows, [(migrations_on_disk(), migrations_on_disk())])


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class MigrationLockTimeoutTests(unittest.TestCase):  # connections of its own, not the test database's
    """A run stuck behind another for longer than the timeout gives up and says why, instead of waiting forever."""

    def assert_gives_up(self, settings: dict[str, Any], reason: str) -> None:
        connection = ConnectionHandler({"default": settings})["default"]
        try:
            with (
                self.assertRaisesRegex(MigrationLockTimeout, re.escape(reason)),
                migration_lock(connection, timeout=0.3),
            ):
                self.fail("the lock was taken while another process held it")
        finally:
            connection.close()

    def test_on_sqlite_it_names_the_lock_file(self) -> None:
        directory = Path(self.enterContext(tempfile.TemporaryDirectory()))
        with FileLock(directory / LOCK_FILE_NAME):
            sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(directory / "db.sqlite3")}
            self.assert_gives_up(sqlite, f"(lock file {directory / LOCK_FILE_NAME})")

    def test_on_postgresql_it_names_the_advisory_lock(self) -> None:
        stack = self.enterContext(contextlib.ExitStack())
        database = create_database(stack, "kubemcp_lock")
        holder = stack.enter_context(psycopg.connect(f"{POSTGRES} dbname={database}", autocommit=True))
        holder.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        self.assert_gives_up(dj_database_url.parse(database_url(database)), f"advisory lock {ADVISORY_LOCK_KEY}")
