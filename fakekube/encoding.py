"""Reading request bodies and writing object, list and Status responses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml
from aiohttp import web

from .conversions import to_served
from .protobuf import decode_body
from .status import ApiError
from .store import Page, Store, encode_json
from .types import ResourceType

PROTOBUF = "application/vnd.kubernetes.protobuf"


async def read_body(request: web.Request, allow_empty: bool = False) -> Any:
    """The request body as JSON or YAML (by Content-Type), 400 when it does not parse."""
    raw = await request.read()
    if not raw.strip():
        if allow_empty:
            return None
        raise ApiError(400, "the body of the request was empty", "BadRequest")
    content_type = request.headers.get("Content-Type", "application/json").split(";")[0].strip()
    if content_type == PROTOBUF:
        return decode_body(raw)
    try:
        if "yaml" in content_type:
            return yaml.safe_load(raw)
        return json.loads(raw)
    except (ValueError, yaml.YAMLError) as error:
        kind = "yaml" if "yaml" in content_type else "json"
        raise ApiError(400, f"error decoding {kind} body: {error}", "BadRequest") from error


def as_version(obj: dict[str, Any], resource_type: ResourceType) -> dict[str, Any]:
    """The object as served at `resource_type`'s version."""
    return to_served(obj, resource_type)


def object_bytes(store: Store, obj: dict[str, Any], resource_type: ResourceType) -> bytes:
    served = as_version(obj, resource_type)
    return store.encoded(served) if served is obj else encode_json(served)


def object_response(
    store: Store,
    obj: dict[str, Any],
    resource_type: ResourceType,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    return web.Response(
        body=object_bytes(store, obj, resource_type), status=status, content_type="application/json", headers=headers
    )


def list_response(store: Store, page: Page, resource_type: ResourceType) -> web.Response:
    metadata: dict[str, Any] = {"resourceVersion": str(page.resource_version)}
    if page.continue_token:
        metadata["continue"] = page.continue_token
    if page.remaining is not None:
        metadata["remainingItemCount"] = page.remaining
    head = encode_json(
        {"kind": f"{resource_type.kind}List", "apiVersion": resource_type.api_version, "metadata": metadata}
    )
    items = b",".join(object_bytes(store, obj, resource_type) for obj in page.items)
    return web.Response(body=head[:-1] + b',"items":[' + items + b"]}", content_type="application/json")


def json_response(value: Any, status: int = 200, content_type: str = "application/json") -> web.Response:
    return web.Response(body=encode_json(value), status=status, headers={"Content-Type": content_type})
