"""`events`: recent events newest first, filtered by object, type, reason and age."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import Field

from k8stools.formatting.events import filter_events
from k8stools.formatting.tables import render_table
from k8stools.names import check_object_name
from k8stools.resources import resolve
from k8stools.tools.call import ToolCall
from k8stools.tools.listing import (
    DEFAULT_LIMIT,
    EVENT_SCAN_WINDOW,
    MAX_LIMIT,
    combine_selectors,
    event_window,
    exclusion_selector,
    noun,
)
from k8stools.tools.registry import kube_tool
from k8stools.tools.target import resolve_target

MAX_SINCE_MINUTES = 60 * 24 * 30


def involved_object_selector(*, kind: str | None, name: str | None, type: str | None, reason: str | None) -> str:
    """The server-side part of the filters: field selectors the API server indexes for events."""
    return combine_selectors(
        f"involvedObject.kind={kind}" if kind else "",
        f"involvedObject.name={name}" if name else "",
        f"type={type}" if type else "",
        f"reason={reason}" if reason else "",
    )


@kube_tool("events", operation="events", title="List events", read_only=True, idempotent=True)
def events(
    call: ToolCall,
    namespace: Annotated[str | None, Field(description="Namespace; default from the server config")] = None,
    allNamespaces: Annotated[bool, Field(description="Events of every namespace (restricted ones excluded)")] = False,
    kind: Annotated[
        str | None, Field(description="Only events about objects of this kind (Pod, deploy, node...)")
    ] = None,
    name: Annotated[str | None, Field(description="Only events about the object with this name")] = None,
    type: Annotated[
        Literal["Normal", "Warning"] | None, Field(description="Only Normal or only Warning events")
    ] = None,
    reason: Annotated[
        str | None, Field(description="Only events with this reason, e.g. BackOff, FailedScheduling")
    ] = None,
    sinceMinutes: Annotated[
        int | None, Field(ge=1, le=MAX_SINCE_MINUTES, description="Only events seen in the last N minutes")
    ] = None,
    limit: Annotated[
        int, Field(ge=1, le=MAX_LIMIT, description=f"Events shown, newest first; default {DEFAULT_LIMIT}")
    ] = DEFAULT_LIMIT,
    output: Annotated[
        Literal["normal", "wide"], Field(description="wide adds SUBOBJECT, SOURCE, FIRST SEEN, COUNT and NAME")
    ] = "normal",
) -> str:
    """List recent events newest first, as a table; filter by the object they are about, type, reason and age.

    Use it to see what went wrong (type: Warning) in a namespace or for one object."""
    client = call.client()
    target = resolve_target(
        call, client, "events", "v1", verb="list", namespace=namespace, all_namespaces=allNamespaces
    )
    resource, scope = target.kind, target.scope
    assert scope is not None
    involved = resolve(client, kind) if kind else None
    if name:
        check_object_name(name, group=involved.group if involved else "", resource=involved.name if involved else "")
    call.aim(name=name or "")
    exclusion = exclusion_selector(call.policy, resource, scope.namespace)
    selector = involved_object_selector(
        kind=involved.kind if involved else None, name=name or None, type=type, reason=reason
    )
    window = event_window(client, resource, scope.namespace, field_selector=combine_selectors(selector, exclusion))
    now = datetime.now(UTC)
    found = window.events
    if sinceMinutes:
        found = filter_events(found, since=timedelta(minutes=sinceMinutes), now=now)
    shown = found[:limit]
    table = render_table(shown, kind="Event", wide=output == "wide", all_namespaces=scope.namespace is None, now=now)
    where = scope.describe(resource) + (f" in the last {sinceMinutes} minutes" if sinceMinutes else "")
    footer = [f"{noun(resource, len(shown))} {where}, newest first", *scope.notes]
    if exclusion:
        footer.append("restricted namespaces are excluded by the server policy")
    if len(found) > limit:
        footer.append(f"{len(found) - limit} older events not shown; raise limit (max {MAX_LIMIT}) or add filters")
    if window.window_full:
        footer.append(
            f"searched the first {EVENT_SCAN_WINDOW} matching events the API server returned; "
            "more exist, so add filters for a complete answer"
        )
    return table + "\n\n" + "\n".join(footer)
