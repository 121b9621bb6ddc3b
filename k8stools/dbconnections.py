"""Database connections of threads that never see a Django request.

Django releases a thread's connection at the end of each request; tool threads, the gateway's
admission threads and the policy refresh run outside requests, so they release their own, or each
pool thread would keep a connection (or, with the connection pool, keep it checked out) for good.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import close_old_connections


def releasing_connections(work: Callable[..., Any]) -> Callable[..., Any]:
    """`work`, then let Django close (or return to the pool) the thread's connection by DB_CONN_MAX_AGE."""

    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return work(*args, **kwargs)
        finally:
            close_old_connections()

    return run
