"""Worker ids: stable per process, a safe group name, and telling a vanished worker of this host."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from django.test import SimpleTestCase

from k8stools.portforward.worker import _process_start_time, current_worker_id, group_name, is_gone_locally


class WorkerIdTests(SimpleTestCase):
    def test_the_worker_id_names_host_pid_and_start_time_and_stays_the_same(self) -> None:
        host, pid, started = current_worker_id().split(":")

        self.assertEqual((host, int(pid)), (socket.gethostname(), os.getpid()))
        self.assertTrue(started.isdigit())
        self.assertEqual(current_worker_id(), current_worker_id())

    def test_the_group_name_is_a_valid_channels_group_name(self) -> None:
        name = group_name("my host/with:odd*chars:12:1700000000")

        self.assertEqual(name, "portforward.my-host-with-odd-chars-12-1700000000")
        self.assertLess(len(group_name("h" * 300 + ":1:2")), 100)

    def test_a_worker_of_this_host_whose_process_ended_is_gone(self) -> None:
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        child.wait()

        self.assertTrue(is_gone_locally(f"{socket.gethostname()}:{child.pid}:1700000000"))

    def test_a_running_process_is_not_gone_unless_it_started_after_the_worker_did(self) -> None:
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        self.addCleanup(child.wait)
        self.addCleanup(child.kill)
        worker = f"{socket.gethostname()}:{child.pid}"
        child_started = _process_start_time(child.pid)
        assert child_started is not None, "this test needs Linux /proc"

        self.assertFalse(is_gone_locally(f"{worker}:{child_started}"))
        # The same pid, but the worker that had it started long before: the pid was reused.
        self.assertTrue(is_gone_locally(f"{worker}:1700000000"))

    def test_this_worker_and_other_hosts_are_never_judged_gone_from_here(self) -> None:
        self.assertFalse(is_gone_locally(current_worker_id()))
        self.assertFalse(is_gone_locally("some-other-host:1:1700000000"))
        self.assertFalse(is_gone_locally(f"{socket.gethostname()}:0:1"))
