"""Database connections of threads that never see a Django request.

Django releases a thread's connection at the end of each request; tool threads, the gateway's
admission threads and the policy refresh run outside requests, so they release their own, or each
pool thread would keep a connection (or, with the connection pool, keep it checked out) for good.

Except a SQLite connection: opening one (the file, the WAL, our PRAGMAs, Django's functions) cost
about a twentieth of a trivial call's server CPU, and there is nothing to give it back to. A thread
keeps its SQLite connection between pieces of work, in autocommit (so it holds no lock and sees every
commit, WAL mode), and closes it when the thread ends (anyio's idle workers end after 10 s), or when
Django would close it anyway (an error left it unusable, autocommit left changed). PostgreSQL's go
back to the pool after each piece of work, as before.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper


class _KeptConnections:
    """This thread's kept SQLite connections, closed when the thread ends (its thread-locals are released)."""

    def __init__(self) -> None:
        self.wrappers: dict[str, BaseDatabaseWrapper] = {}

    def __del__(self) -> None:
        for wrapper in self.wrappers.values():
            raw = wrapper.connection
            if raw is not None:
                with contextlib.suppress(Exception):  # a thread's teardown has no one to tell
                    raw.close()


_kept = threading.local()


def release_thread_connections() -> None:
    """End a piece of work outside a request: close or pool the thread's connections, keep a SQLite one."""
    for wrapper in connections.all(initialized_only=True):
        if wrapper.vendor == "sqlite" and wrapper.connection is not None and not wrapper.in_atomic_block:
            # Kept for the thread's life whatever DB_CONN_MAX_AGE says (that is for request threads, which
            # end with their request); the checks below still close an unusable one.
            wrapper.close_at = None
            holder = getattr(_kept, "holder", None)
            if holder is None:
                holder = _kept.holder = _KeptConnections()
            holder.wrappers[wrapper.alias] = wrapper
        wrapper.close_if_unusable_or_obsolete()


def releasing_connections(work: Callable[..., Any]) -> Callable[..., Any]:
    """`work`, then release the thread's connections (`release_thread_connections`)."""

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return work(*args, **kwargs)
        finally:
            release_thread_connections()

    return run
