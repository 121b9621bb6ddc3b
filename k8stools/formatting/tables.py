"""Compact aligned text tables with the columns ``kubectl get`` prints, for any kind.

A table is the cheapest faithful form of a list for a model: one line per object, the columns a
person would look at, aligned with two spaces so that cells never run together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .cluster_columns import CLUSTER_COLUMNS
from .columns import NONE, KindColumns, metadata
from .event_columns import EVENT_COLUMNS
from .events import sort_events_newest_first
from .generic_columns import generic_table
from .kinds import canonical_kind
from .labels import format_labels
from .network_columns import NETWORK_COLUMNS
from .workload_columns import WORKLOAD_COLUMNS

COLUMN_GAP = "  "
NO_RESOURCES = "No resources found."

KIND_COLUMNS: dict[str, KindColumns] = {
    **WORKLOAD_COLUMNS,
    **NETWORK_COLUMNS,
    **CLUSTER_COLUMNS,
    **EVENT_COLUMNS,
}


def columns_for(kind: str) -> KindColumns | None:
    """The kubectl columns for a kind, given as ``Pod``, ``PodList``, ``pods`` or ``po``; None for others."""
    return KIND_COLUMNS.get(canonical_kind(kind))


def render_table(
    items: list[dict[str, Any]],
    *,
    kind: str,
    wide: bool,
    all_namespaces: bool,
    now: datetime,
    include_labels: bool = False,
) -> str:
    """Render ``items`` of ``kind`` as a kubectl-like table.

    The columns are those of ``kubectl get`` for the kind (``-o wide`` extras when ``wide``); pods
    also show NODE in the normal form, and REASON (waiting and last-termination reasons) when wide.
    NAMESPACE comes first when ``all_namespaces`` and the items are namespaced; LABELS comes last
    when ``include_labels``. Events are ordered newest first. Kinds without a printer get NAME,
    READY and STATUS (from ``status.conditions``/``status.phase``) and AGE.
    """
    if not items:
        return NO_RESOURCES
    columns = columns_for(kind)
    if canonical_kind(kind) == "event":
        items = sort_events_newest_first(items)
    if columns is None:
        headers, rows = generic_table(items, now)
    else:
        headers = list(columns.headers_for(wide))
        rows = [columns.row(item, now, wide) for item in items]
    if all_namespaces and any(metadata(item).get("namespace") for item in items):
        headers.insert(0, "NAMESPACE")
        for item, row in zip(items, rows, strict=True):
            row.insert(0, str(metadata(item).get("namespace") or ""))
    if include_labels:
        headers.append("LABELS")
        for item, row in zip(items, rows, strict=True):
            row.append(format_labels(metadata(item).get("labels")))
    return layout_table(headers, rows)


def layout_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Align ``rows`` under ``headers`` with at least two spaces between columns.

    Line breaks and tabs inside a cell become spaces and an empty cell reads ``<none>``, so every
    line holds exactly one row and no cell is invisible. Trailing spaces are not written.
    """
    table = [[_cell(header) for header in headers]] + [[_cell(cell) for cell in row] for row in rows]
    widths = [max(len(line[column]) for line in table) for column in range(len(headers))]
    lines = []
    for line in table:
        padded = [cell.ljust(width) for cell, width in zip(line[:-1], widths[:-1], strict=True)]
        lines.append(COLUMN_GAP.join([*padded, line[-1]]).rstrip())
    return "\n".join(lines)


def _cell(value: object) -> str:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or NONE
