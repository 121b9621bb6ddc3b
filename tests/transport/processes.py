"""`manage.py` commands run as users run them: a child process, its output, SIGTERM to stop it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from tests.live import BASE_DIR, server_environment


def command_environment(data_dir: str, **overrides: str) -> dict[str, str]:
    """A server environment with its own fresh SQLite database, so the command must migrate it."""
    own = {"DATA_DIR": data_dir, "DATABASE_URL": f"sqlite:///{Path(data_dir) / 'db.sqlite3'}"}
    return server_environment(**{**own, **overrides})


class ManagePy:
    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(BASE_DIR / "manage.py"), *args],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout = ""
        self.stderr = ""

    def wait_until(self, ready: str, timeout: float = 30.0) -> None:
        """Wait until `ready` (a URL, or a file path) answers or exists."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stdout, self.stderr = self.process.communicate()
                raise AssertionError(f"exited with {self.process.returncode}:\n{self.stdout}\n{self.stderr}")
            if ready.startswith("http"):
                try:
                    if httpx2.get(ready, timeout=1).status_code == 200:
                        return
                except httpx2.HTTPError:
                    pass
            elif os.path.exists(ready) and os.path.getsize(ready) > 0:
                return
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"not ready within {timeout}s:\n{self.stdout}\n{self.stderr}")

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM and collect the output; the exit code, or None if it had to be killed."""
        code: int | None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.stdout, self.stderr = self.process.communicate(timeout=timeout)
            code = self.process.returncode
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.stdout, self.stderr = self.process.communicate()
            code = None
        return code
