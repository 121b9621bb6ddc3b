"""One `migrate` at a time per database, whichever process starts it.

Workers of a team deployment start together (two pods, each with a `migrate` init container; `manage.py serve`
on several hosts); two `migrate` runs on a fresh database race each other to create the same tables and one fails.
`migration_lock` serialises them: the second waits, then finds nothing left to apply. PostgreSQL gets a
session-level advisory lock (released by the server if the process dies); SQLite a lock file in the database's
directory (released by the operating system if the process dies). The `migrate` command takes it
(k8stools/management/commands/migrate.py), so `manage.py migrate`, `serve` and whatever else calls the command
are all covered.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper
from filelock import FileLock, Timeout

# Long enough for a slow first migration on a busy database; a run that waits longer gives up with a reason.
LOCK_TIMEOUT_SECONDS = 600.0
# A stable 64-bit key of our own in PostgreSQL's advisory lock space, shared by every version of kubemcp.
ADVISORY_LOCK_KEY = int.from_bytes(hashlib.sha256(b"kubemcp:migrate").digest()[:8], "big", signed=True)
LOCK_FILE_NAME = ".kubemcp-migrate.lock"
POLL_SECONDS = 0.2


class MigrationLockTimeout(Exception):
    """Another process held the migration lock for longer than the timeout."""


@contextmanager
def migration_lock(connection: BaseDatabaseWrapper, *, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the migration lock of `connection`'s database for the duration of the block.

    Databases with nothing to share (SQLite in memory) and other engines pass through unlocked.
    """
    if connection.vendor == "postgresql":
        with _advisory_lock(connection, timeout):
            yield
    elif connection.vendor == "sqlite" and (path := _sqlite_path(connection)) is not None:
        with _file_lock(path.parent / LOCK_FILE_NAME, timeout):
            yield
    else:
        yield


@contextmanager
def _advisory_lock(connection: BaseDatabaseWrapper, timeout: float) -> Iterator[None]:
    # Polled rather than a blocking pg_advisory_lock, so a run stuck behind a dead-slow one gives up with a reason.
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() >= deadline:
                raise MigrationLockTimeout(
                    f"another process has been migrating database {connection.settings_dict['NAME']!r} "
                    f"for over {timeout:.0f} s (PostgreSQL advisory lock {ADVISORY_LOCK_KEY})"
                )
            time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


@contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[None]:
    # One lock file per directory, never deleted: deleting a lock file others may be waiting on breaks the lock.
    lock = FileLock(path, timeout=timeout)
    try:
        lock.acquire(poll_interval=POLL_SECONDS)
    except Timeout:
        raise MigrationLockTimeout(
            f"another process has been migrating the database in {path.parent} for over {timeout:.0f} s "
            f"(lock file {path})"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _sqlite_path(connection: BaseDatabaseWrapper) -> Path | None:
    name = str(connection.settings_dict["NAME"] or "")
    if connection.is_in_memory_db() or not name:  # type: ignore[attr-defined]
        return None
    return Path(name).resolve()
