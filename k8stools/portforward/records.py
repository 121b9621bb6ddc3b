"""The database side of port-forward sessions: progress, ends, and the sessions of vanished workers.

Plain synchronous ORM functions; the forwarder's event loop calls them in a thread of their own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import ParamSpec, TypeVar

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from k8stools.models import PortForwardSession
from k8stools.portforward.worker import is_gone_locally

Status = PortForwardSession.Status
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Progress:
    session_id: str
    bytes_in: int
    bytes_out: int
    connections: int
    last_error: str = ""


def fresh_connection(function: Callable[P, R]) -> Callable[P, R]:
    """Drop a database connection that is broken or past its age before and after a background job."""

    @functools.wraps(function)
    def job(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            close_old_connections()

    return job


@fresh_connection
def save_progress(worker_id: str, progress: list[Progress]) -> set[str]:
    """Save counters, prove the worker alive; the ids among `progress` whose row is no longer live."""
    now = timezone.now()
    for item in progress:
        fields: dict[str, int | str] = {
            "bytes_in": item.bytes_in,
            "bytes_out": item.bytes_out,
            "connections": item.connections,
        }
        if item.last_error:
            fields["last_error"] = item.last_error[:1000]
        PortForwardSession.objects.filter(pk=item.session_id).update(**fields)
    PortForwardSession.objects.live().filter(worker_id=worker_id).update(heartbeat=now)
    ids = [item.session_id for item in progress]
    live = {str(pk) for pk in PortForwardSession.objects.live().filter(pk__in=ids).values_list("pk", flat=True)}
    return {session_id for session_id in ids if session_id not in live}


@fresh_connection
def finish(progress: Progress, *, status: str | None, by: str, error: str = "") -> None:
    """Save the last counters and, unless the row already ended (a stop from elsewhere), how it ended."""
    with transaction.atomic():
        row = PortForwardSession.objects.select_for_update().filter(pk=progress.session_id).first()
        if row is None:
            return
        row.bytes_in, row.bytes_out, row.connections = progress.bytes_in, progress.bytes_out, progress.connections
        if progress.last_error and not error:
            row.last_error = progress.last_error[:1000]
        if status is not None and row.is_live:
            row.end(status, by=by, error=error)
        row.save()


@fresh_connection
def sweep_vanished_workers(worker_id: str, stale_seconds: float) -> int:
    """Mark failed the live sessions of workers that are gone; how many were marked.

    A worker of this host is gone when its process no longer runs; any worker is gone when it has not
    reported for `stale_seconds` (its host crashed, or it was killed without a chance to clean up).
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=stale_seconds)
    vanished: dict[str, str] = {}
    rows = (
        PortForwardSession.objects.live().exclude(worker_id=worker_id).values_list("worker_id", "heartbeat", "created")
    )
    for other, heartbeat, created in rows:
        if other in vanished:
            continue
        if is_gone_locally(other):
            vanished[other] = f"the server worker {other} that held the listener exited without stopping it"
        elif (heartbeat or created) < stale_before:
            vanished[other] = (
                f"the server worker {other} that held the listener stopped reporting (gone since {heartbeat or created:%Y-%m-%d %H:%M:%S}Z)"
            )
    marked = 0
    for other, reason in vanished.items():
        marked += (
            PortForwardSession.objects.live()
            .filter(worker_id=other)
            .update(status=Status.FAILED, stopped=now, stopped_by="cleanup", last_error=reason[:1000])
        )
    return marked


def lock_admission() -> None:
    """Serialize session admission inside the current transaction, so two workers cannot both take the last slot.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the settings open every transaction with
    IMMEDIATE, which already takes the database's write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('kubemcp.portforward.admission'))")
