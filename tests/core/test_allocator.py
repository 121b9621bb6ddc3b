"""glibc's allocator settings for servers (k8stools.management.allocator): what a process ends up with."""

from __future__ import annotations

import os
import subprocess
import sys
import unittest

from django.test import SimpleTestCase

from k8stools.management import allocator
from tests.live import BASE_DIR

# Six threads allocate at once; prints the names tune() applied, then how many arenas besides the main one the
# process has (each a mapping of its own that starts on a 64 MiB boundary, the size glibc reserves for one).
PROBE = """
import sys, threading
from k8stools.management import allocator
print(",".join(allocator.tune()) if sys.argv[1] == "tune" else "")
keep = []
start = threading.Barrier(6)
def allocate():
    start.wait()
    keep.append([bytes(2000) for _ in range(50)])
threads = [threading.Thread(target=allocate) for _ in range(6)]
for thread in threads: thread.start()
for thread in threads: thread.join()
arenas = 0
for line in open("/proc/self/maps"):
    fields = line.split()
    low = int(fields[0].split("-")[0], 16)
    arenas += len(fields) == 5 and fields[1] == "rw-p" and low % (64 << 20) == 0
print(arenas)
"""


@unittest.skipUnless(allocator._glibc(), "glibc's mallopt only")
class AllocatorTests(SimpleTestCase):
    def probe(self, mode: str, **env: str) -> tuple[str, int]:
        environment = {key: value for key, value in os.environ.items() if not key.startswith("MALLOC_")} | env
        result = subprocess.run(
            [sys.executable, "-c", PROBE, mode],
            cwd=BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        applied, arenas = result.stdout.splitlines()
        return applied, int(arenas)

    def test_threads_share_one_arena_beside_the_main_one(self) -> None:
        applied, arenas = self.probe("tune")
        self.assertEqual(applied, "MALLOC_ARENA_MAX,MALLOC_MMAP_THRESHOLD_,MALLOC_TRIM_THRESHOLD_")
        self.assertLessEqual(arenas, 1)
        # Without the settings the same threads take an arena each: the probe sees what it claims to.
        self.assertGreater(self.probe("untuned")[1], 1)

    def test_what_the_operator_set_through_glibcs_variables_is_left_alone(self) -> None:
        applied, arenas = self.probe("tune", MALLOC_ARENA_MAX="8")
        self.assertEqual(applied, "MALLOC_MMAP_THRESHOLD_,MALLOC_TRIM_THRESHOLD_")
        self.assertGreater(arenas, 1)
