"""Listing objects for `list`, `events` and `describe`: what is asked of the API server, page by page.

One request per page: `limit` and `continue` go to the API server as they are, so nothing is lost
between pages. A list that spans namespaces asks the API server itself to leave the restricted
namespaces out (a `metadata.namespace!=` field selector): restricted objects never leave the
cluster, and the counts the server returns (`remainingItemCount`) stay true. The guard still
filters what comes back. Events are the exception to plain paging: the API returns them in name
order, so a bounded window is read and sorted newest first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from k8stools.apirequest import resource_request
from k8stools.formatting.events import sort_events_newest_first
from k8stools.guard import GuardedClient
from k8stools.kube import ResourceType
from k8stools.memory import BIG_LIST_ITEMS, big_lists, release_free_memory
from k8stools.policy import Policy
from k8stools.resources import resolve
from k8stools.tools.errors import ToolInputError

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Events are sorted here, not by the API server: read at most this many, newest first.
EVENT_SCAN_WINDOW = 5000
# `summary` counts over several pages, up to this many objects.
SUMMARY_SCAN_LIMIT = 5000
SUMMARY_PAGE_SIZE = 500


@dataclass
class ListPage:
    items: list[dict[str, Any]]
    continue_token: str = ""
    # The API server's remainingItemCount: None when it did not say (it never does with selectors).
    remaining: int | None = None


@dataclass(frozen=True)
class Scope:
    """Where a list looks: one namespace, every namespace (None), or a cluster-scoped kind (None)."""

    namespace: str | None
    notes: tuple[str, ...] = ()

    def describe(self, resource: ResourceType) -> str:
        if not resource.namespaced:
            return "cluster-wide"
        return f"in namespace {self.namespace}" if self.namespace else "in all namespaces"


def list_scope(resource: ResourceType, namespace: str | None, all_namespaces: bool, default: str) -> Scope:
    """The namespace to list in, with notes for arguments that did not apply."""
    if not resource.namespaced:
        notes = (f"{resource.name} are cluster-scoped; namespace '{namespace}' was ignored",) if namespace else ()
        return Scope(None, notes)
    if all_namespaces:
        notes = (f"allNamespaces is set; namespace '{namespace}' was ignored",) if namespace else ()
        return Scope(None, notes)
    return Scope(namespace or default)


def require_verb(resource: ResourceType, verb: str) -> None:
    if resource.verbs and verb not in resource.verbs:
        served = ", ".join(sorted(resource.verbs))
        raise ToolInputError(f"{resource.qualified_name} does not support '{verb}' (it supports: {served})")


def exclusion_selector(policy: Policy, resource: ResourceType, namespace: str | None) -> str:
    """A field selector that keeps restricted namespaces out of a list that spans namespaces."""
    if not policy.restricted_namespaces:
        return ""
    if resource.group == "" and resource.name == "namespaces":
        field = "metadata.name"
    elif resource.namespaced and namespace is None:
        field = "metadata.namespace"
    else:
        return ""
    return ",".join(f"{field}!={name}" for name in sorted(policy.restricted_namespaces))


def combine_selectors(*selectors: str | None) -> str:
    return ",".join(selector.strip() for selector in selectors if selector and selector.strip())


def list_page(
    client: GuardedClient,
    resource: ResourceType,
    namespace: str | None,
    *,
    label_selector: str = "",
    field_selector: str = "",
    limit: int = DEFAULT_LIMIT,
    continue_token: str = "",
) -> ListPage:
    """One page from the API server (one request)."""
    query = {
        "labelSelector": label_selector or None,
        "fieldSelector": field_selector or None,
        "limit": limit or None,
        "continue": continue_token or None,
    }
    body = client.request(resource_request(resource, namespace=namespace, query=query))
    metadata = body.get("metadata") or {}
    remaining = metadata.get("remainingItemCount")
    return ListPage(
        items=body.get("items") or [],
        continue_token=str(metadata.get("continue") or ""),
        remaining=int(remaining) if isinstance(remaining, int) else None,
    )


def scan(
    client: GuardedClient,
    resource: ResourceType,
    namespace: str | None,
    *,
    label_selector: str = "",
    field_selector: str = "",
    continue_token: str = "",
    max_items: int = SUMMARY_SCAN_LIMIT,
) -> ListPage:
    """Up to `max_items` objects, in pages; the continue token says where the scan stopped."""
    items: list[dict[str, Any]] = []
    page = ListPage([], continue_token)
    while True:
        page = list_page(
            client,
            resource,
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            limit=min(SUMMARY_PAGE_SIZE, max_items - len(items)),
            continue_token=page.continue_token,
        )
        items.extend(page.items)
        if not page.continue_token or len(items) >= max_items:
            return ListPage(items, page.continue_token, page.remaining)


@dataclass
class EventWindow:
    """Events newest first, from a window of at most EVENT_SCAN_WINDOW; `window_full` when more exist."""

    events: list[dict[str, Any]]
    window_full: bool


def event_window(
    client: GuardedClient,
    resource: ResourceType,
    namespace: str | None,
    *,
    label_selector: str = "",
    field_selector: str = "",
) -> EventWindow:
    page = list_page(
        client,
        resource,
        namespace,
        label_selector=label_selector,
        field_selector=field_selector,
        limit=EVENT_SCAN_WINDOW,
    )
    return EventWindow(sort_events_newest_first(page.items), bool(page.continue_token))


def core_events(client: GuardedClient) -> ResourceType:
    """The core v1 `events` kind (the one with field selectors on involvedObject)."""
    return resolve(client, "events", "v1")


def is_event_kind(resource: ResourceType) -> bool:
    return resource.kind == "Event" and resource.group in ("", "events.k8s.io")


def noun(resource: ResourceType, count: int) -> str:
    return f"{count} {resource.singular if count == 1 else resource.name}"


def next_page_line(page: ListPage) -> str:
    """What remains after this page and how to get it, or an empty string on the last page."""
    if not page.continue_token:
        return ""
    more = f"{page.remaining} more" if page.remaining is not None else "more remain"
    return f'{more}; next page: call again with the same arguments and continue: "{page.continue_token}"'


def keyword_arguments(**renames: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let a tool take arguments whose names are Python keywords (`continue`).

    The parameter is declared as `continue_` with `Field(alias="continue")`, so the schema says
    `continue`; the runner passes `continue=...`, which this wrapper hands on as `continue_`.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(call: Any, **arguments: Any) -> Any:
            for wire, python in renames.items():
                if wire in arguments:
                    arguments[python] = arguments.pop(wire)
            return fn(call, **arguments)

        return wrapper

    return decorate


def bounded_when_big(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a list tool asked for a big page (or a summary, which scans many) under `big_lists`, then give the
    freed memory back: a worker holds at most two big decoded lists at a time (see k8stools.memory)."""

    @functools.wraps(fn)
    def wrapper(call: Any, **arguments: Any) -> Any:
        if int(arguments.get("limit") or 0) <= BIG_LIST_ITEMS and not arguments.get("summary"):
            return fn(call, **arguments)
        # Half the tool's time at most, so that a caller who waits too long hears why, not just "timed out".
        if not big_lists.acquire(timeout=call.config.tool_timeout_seconds / 2):
            raise ToolInputError(
                f"the server is busy with other big lists; try again, or ask for limit: {BIG_LIST_ITEMS}"
            )
        try:
            answer = fn(call, **arguments)
        finally:
            big_lists.release()
        release_free_memory()
        return answer

    return wrapper
