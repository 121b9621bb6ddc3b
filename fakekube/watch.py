"""`?watch=1`: a chunked stream of `{"type": ..., "object": ...}` lines from the store's event log."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import tables
from .encoding import as_version
from .selectors import SelectorError, fields_match, labels_match, parse_field_selector, parse_label_selector
from .status import ApiError
from .store import encode_json
from .types import ResourceType

if TYPE_CHECKING:
    from .cluster import FakeCluster

POLL_SECONDS = 0.02
DEFAULT_TIMEOUT_SECONDS = 1800
# How often a watch that allows bookmarks is told how far it has caught up (the real server: about a minute).
BOOKMARK_SECONDS = 60.0


async def serve_watch(
    request: web.Request, cluster: FakeCluster, resource_type: ResourceType, namespace: str | None, name: str = ""
) -> web.StreamResponse:
    try:
        labels = parse_label_selector(request.query.get("labelSelector", ""))
        fields = parse_field_selector(request.query.get("fieldSelector", ""), resource_type.group, resource_type.plural)
    except SelectorError as error:
        raise ApiError(400, str(error), "BadRequest") from error
    timeout = float(request.query.get("timeoutSeconds") or DEFAULT_TIMEOUT_SECONDS)
    store = cluster.store

    def selected(obj: dict[str, Any], obj_namespace: str) -> bool:
        if namespace is not None and obj_namespace != namespace:
            return False
        if name and obj["metadata"]["name"] != name:
            return False
        return labels_match(labels, obj) and fields_match(fields, obj)

    requested = request.query.get("resourceVersion", "")
    # The streaming-list protocol (client-go's WatchList): current objects first, then a bookmark saying so.
    streaming_list = request.query.get("sendInitialEvents", "").lower() == "true"
    initial: list[dict[str, Any]] = []
    with store.lock:
        if requested in ("", "0") or streaming_list:
            initial = [
                obj
                for obj in store.items(*resource_type.stored_as, namespace)
                if selected(obj, obj["metadata"].get("namespace") or "")
            ]
            last = store.resource_version
            expired = False
        else:
            try:
                last = int(requested)
            except ValueError as error:
                raise ApiError(400, f"invalid resource version: {requested}", "BadRequest") from error
            expired = last < store.oldest_resource_version()

    response = web.StreamResponse(headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    await response.prepare(request)
    if expired:
        expiry = ApiError(410, f"too old resource version: {last} ({store.oldest_resource_version()})", "Expired")
        await response.write(encode_json({"type": "ERROR", "object": expiry.body()}) + b"\n")
        return response
    as_table = tables.wants_table(request.headers.get("Accept", ""))
    include_object = request.query.get("includeObject", "Metadata")
    sent_columns = False

    async def send(event_type: str, obj: dict[str, Any]) -> None:
        nonlocal sent_columns
        served: dict[str, Any] = as_version(obj, resource_type)
        if as_table:
            # A Table per event, like the real server; the column definitions come with the first one only.
            served = tables.render(
                resource_type,
                [obj],
                include_object,
                obj["metadata"].get("resourceVersion", ""),
                None,
                cluster.custom_resources.printer_columns(resource_type),
            )
            if sent_columns:
                served["columnDefinitions"] = []
            sent_columns = True
        await response.write(b'{"type":"' + event_type.encode() + b'","object":' + encode_json(served) + b"}\n")

    async def bookmark(annotations: dict[str, str] | None = None) -> None:
        metadata: dict[str, Any] = {"resourceVersion": str(last)}
        if annotations:
            metadata["annotations"] = annotations
        body = {"kind": resource_type.kind, "apiVersion": resource_type.api_version, "metadata": metadata}
        await response.write(b'{"type":"BOOKMARK","object":' + encode_json(body) + b"}\n")

    for obj in initial:
        await send("ADDED", obj)
    if streaming_list:
        await bookmark({"k8s.io/initial-events-end": "true"})
    bookmarks = request.query.get("allowWatchBookmarks", "").lower() == "true" and not as_table
    interval = cluster.watch_bookmark_seconds
    next_bookmark = time.monotonic() + interval
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if request.transport is None or request.transport.is_closing():
            break
        for event in store.events_after(last):
            last = event.resource_version
            if (event.group, event.resource) == resource_type.stored_as and selected(event.obj, event.namespace):
                await send(event.type, event.obj)
        if bookmarks and time.monotonic() >= next_bookmark:
            await bookmark()
            next_bookmark = time.monotonic() + interval
        await asyncio.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
    return response
