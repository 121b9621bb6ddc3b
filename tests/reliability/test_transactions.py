"""Database safety: every migration can be undone, and state changes that must go together are all-or-nothing."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

from django.test import SimpleTestCase, TransactionTestCase

from k8stools.identity import Caller
from k8stools.models import PortForwardSession
from k8stools.portforward.lifecycle import sweep_once
from k8stools.portforward.workflows import port_forward_stop
from tests.live import BASE_DIR, server_environment

# One process (Django starts once): everything forward, our apps back to zero, then forward again, printing
# the migration plan after each step.
ROUND_TRIP = """
import io, django
django.setup()
from django.core.management import call_command

def shown():
    out = io.StringIO()
    call_command("showmigrations", "k8stools", "oauthgw", stdout=out)
    print("----" + out.getvalue())

call_command("migrate", verbosity=0)
call_command("migrate", "oauthgw", "zero", verbosity=0)
call_command("migrate", "k8stools", "zero", verbosity=0)
shown()
call_command("migrate", verbosity=0)
shown()
"""


class MigrationTests(SimpleTestCase):
    def test_every_migration_of_ours_is_reversible_down_to_zero_and_back(self) -> None:
        with tempfile.TemporaryDirectory(prefix="kubemcp-migrations-") as directory:
            database = Path(directory) / "throwaway.sqlite3"
            env = server_environment(DATABASE_URL=f"sqlite:///{database}", DATA_DIR=directory)
            done = subprocess.run([sys.executable, "-c", ROUND_TRIP], cwd=BASE_DIR, env=env, capture_output=True,
                                  text=True, timeout=120)  # fmt: skip
        self.assertEqual(done.returncode, 0, f"{done.stdout}\n{done.stderr}")
        _, at_zero, migrated_again = done.stdout.split("----")
        self.assertIn("0001_initial", at_zero)
        self.assertNotIn("[X]", at_zero)
        self.assertIn("0001_initial", migrated_again)
        self.assertNotIn("[ ]", migrated_again)


class InterruptedPortForwardStopTests(TransactionTestCase):
    """A stop interrupted inside its transaction leaves the session as it was: live, no end time, no stopper."""

    def setUp(self) -> None:
        super().setUp()
        sweep_once()  # the first use in a process sweeps vanished workers' sessions: before arranging rows
        self.alice = Caller(username="alice", user_id=1)
        self.session = PortForwardSession.objects.create(
            owner=self.alice.key, owner_name="alice", namespace="default", target_kind="pod", target_name="web-1",
            pod_name="web-1", ports=[[45678, 8080]], worker_id=f"{socket.gethostname()}:999999999:1700000000",
            status="active",
        )  # fmt: skip

    def test_an_exception_after_the_end_is_written_leaves_the_session_live_and_stoppable(self) -> None:
        real_save = PortForwardSession.save

        def save_then_fail(session: PortForwardSession, *args: Any, **kwargs: Any) -> None:
            real_save(session, *args, **kwargs)
            raise RuntimeError("interrupted after the write")

        with mock.patch.object(PortForwardSession, "save", save_then_fail), self.assertRaises(RuntimeError):
            port_forward_stop(session_id=self.session.pk, by=self.alice)

        self.session.refresh_from_db()
        self.assertEqual((self.session.status, self.session.stopped, self.session.stopped_by), ("active", None, ""))
        # The row lock went with the transaction: the next stop goes through.
        result = port_forward_stop(session_id=self.session.pk, by=self.alice)
        self.assertFalse(result.already_ended)
        self.session.refresh_from_db()
        self.assertEqual((self.session.status, self.session.stopped_by), ("stopped", "alice"))
        self.assertIsNotNone(self.session.stopped)
