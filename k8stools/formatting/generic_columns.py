"""Columns for kinds without a printer of their own, custom resources first among them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .columns import NONE, age_of, name_of


@dataclass(frozen=True)
class ResourceState:
    """What the common status fields say: the Ready condition and a phase-like status."""

    ready: str | None
    status: str | None


def resource_state(obj: dict[str, Any]) -> ResourceState:
    """Read ``status.conditions[type=Ready]`` and ``status.phase``/``status.state`` when present.

    Without a phase, the Ready condition's reason stands in as the status (``Progressing``,
    ``InstallFailed``...), which is where most operators say what is going on.
    """
    status = obj.get("status")
    if not isinstance(status, dict):
        return ResourceState(None, None)
    ready_condition = next(
        (c for c in status.get("conditions") or [] if isinstance(c, dict) and c.get("type") == "Ready"), None
    )
    ready = str(ready_condition.get("status") or "Unknown") if ready_condition else None
    phase = status.get("phase") or status.get("state")
    if isinstance(phase, str) and phase:
        return ResourceState(ready, phase)
    if ready_condition and ready_condition.get("reason"):
        return ResourceState(ready, str(ready_condition["reason"]))
    return ResourceState(ready, None)


def generic_table(items: list[dict[str, Any]], now: datetime) -> tuple[list[str], list[list[str]]]:
    """NAME [READY] [STATUS] AGE, with READY and STATUS only when some item has them."""
    states = [resource_state(item) for item in items]
    with_ready = any(state.ready is not None for state in states)
    with_status = any(state.status is not None for state in states)
    headers = ["NAME"] + (["READY"] if with_ready else []) + (["STATUS"] if with_status else []) + ["AGE"]
    rows = []
    for item, state in zip(items, states, strict=True):
        row = [name_of(item)]
        if with_ready:
            row.append(state.ready or NONE)
        if with_status:
            row.append(state.status or NONE)
        rows.append([*row, age_of(item, now)])
    return headers, rows
