"""Table columns for events, as ``kubectl events`` and ``kubectl get events`` print them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .age import humanize_age
from .columns import KindColumns, kind_columns, name_of
from .events import event_count, event_first_time, event_message, event_time, involved_object

# Messages can be kilobytes (scheduler explanations, stack traces); a table row should not.
MESSAGE_LIMIT = 200
ELLIPSIS = "…"


def event_object(event: dict[str, Any]) -> str:
    """The OBJECT column: ``pod/web-1`` (lower-case kind, as kubectl writes it)."""
    target = involved_object(event)
    kind = str(target.get("kind") or "").lower()
    return f"{kind}/{target['name']}" if target.get("name") else kind


def truncate(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Cut ``text`` to ``limit`` characters, ending with ``…`` when something was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def event_source(event: dict[str, Any]) -> str:
    """The SOURCE column: ``component, host`` or the reporting controller."""
    source = event.get("source") or event.get("deprecatedSource") or {}
    if source.get("component"):
        return ", ".join(str(part) for part in (source.get("component"), source.get("host")) if part)
    return str(event.get("reportingController") or "")


def event_row(event: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """LAST SEEN TYPE REASON OBJECT MESSAGE; wide: kubectl's SUBOBJECT SOURCE FIRST SEEN COUNT NAME too.

    The normal form writes repeats into LAST SEEN as ``kubectl events`` does: ``3m (x5 over 1h)``.
    """
    last_seen = humanize_age(event_time(event), now)
    first_seen = humanize_age(event_first_time(event), now)
    times = event_count(event)
    cells = [last_seen, str(event.get("type") or ""), str(event.get("reason") or ""), event_object(event)]
    if wide:
        return [
            *cells,
            str(involved_object(event).get("fieldPath") or ""),
            event_source(event),
            event_message(event),
            first_seen,
            str(times),
            name_of(event),
        ]
    if times > 1:
        cells[0] = f"{last_seen} (x{times} over {first_seen})"
    return [*cells, truncate(event_message(event))]


EVENT_COLUMNS: dict[str, KindColumns] = {
    "event": kind_columns(
        "LAST SEEN,TYPE,REASON,OBJECT,MESSAGE",
        event_row,
        wide="LAST SEEN,TYPE,REASON,OBJECT,SUBOBJECT,SOURCE,MESSAGE,FIRST SEEN,COUNT,NAME",
    ),
}
