"""`api_resources`: the kinds this cluster serves (CRDs included), as `kubectl api-resources` shows them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from pydantic import Field

from k8stools.formatting.tables import layout_table
from k8stools.kube import ResourceType
from k8stools.resources import parse_api_group
from k8stools.tools.call import ToolCall
from k8stools.tools.errors import ToolInputError
from k8stools.tools.registry import kube_tool

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
HEADERS = ("NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS")
# kubectl's order for verbs, so that the VERBS column reads the same on every row.
VERB_ORDER = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


def wanted_verbs(verbs: str | None) -> frozenset[str]:
    return frozenset(verb.strip().lower() for verb in (verbs or "").split(",") if verb.strip())


def select_resources(
    types: Iterable[ResourceType], *, api_group: str | None, namespaced: bool | None, verbs: frozenset[str]
) -> list[ResourceType]:
    """The served kinds that match every filter: preferred versions unless a version is asked for."""
    group, version = parse_api_group(api_group)
    return [
        resource
        for resource in types
        if (group is None or resource.group == group)
        and (resource.version == version if version else resource.preferred)
        and (namespaced is None or resource.namespaced == namespaced)
        and verbs <= resource.verbs
    ]


def verbs_text(verbs: frozenset[str]) -> str:
    known = [verb for verb in VERB_ORDER if verb in verbs]
    return ",".join(known + sorted(verbs - set(VERB_ORDER)))


def resource_row(resource: ResourceType) -> list[str]:
    return [
        resource.name,
        ",".join(resource.short_names),
        resource.api_version,
        "true" if resource.namespaced else "false",
        resource.kind,
        verbs_text(resource.verbs),
    ]


@kube_tool(
    "api_resources", operation="api-resources", title="API resources", read_only=True, idempotent=True, alias=True
)
def api_resources(
    call: ToolCall,
    apiGroup: Annotated[
        str | None, Field(description="Only this API group: apps, networking.k8s.io, core; or apps/v1")
    ] = None,
    namespaced: Annotated[
        bool | None, Field(description="true: namespaced kinds only; false: cluster-scoped kinds only; unset: all")
    ] = None,
    verbs: Annotated[
        str | None, Field(description="Comma-separated verbs the kind must all support, e.g. list,watch")
    ] = None,
    limit: Annotated[
        int, Field(ge=0, le=MAX_LIMIT, description=f"Rows per page, default {DEFAULT_LIMIT}, max {MAX_LIMIT}; 0: all")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Field(ge=0, description="Rows to skip (from the previous answer's footer)")] = 0,
) -> str:
    """List the resource types the cluster serves (built-in and CRDs) with short names, scope and verbs.

    Use the NAME or a SHORTNAME as resourceType in the other tools."""
    client = call.client()
    matching = select_resources(
        client.resource_types(), api_group=apiGroup, namespaced=namespaced, verbs=wanted_verbs(verbs)
    )
    if not matching:
        if apiGroup and not select_resources(
            client.resource_types(), api_group=apiGroup, namespaced=None, verbs=frozenset()
        ):
            raise ToolInputError(f"the cluster serves no API group '{apiGroup}'; call api_resources without apiGroup")
        return "No resource types match these filters."
    if offset >= len(matching):
        raise ToolInputError(f"offset {offset} is past the end: {len(matching)} resource types match; use offset 0")
    end = len(matching) if limit == 0 else min(offset + limit, len(matching))
    page = matching[offset:end]
    table = layout_table(HEADERS, [resource_row(resource) for resource in page])
    footer = f"resource types {offset + 1}-{end} of {len(matching)}"
    if end < len(matching):
        footer += f"; next page: offset: {end}"
    return f"{table}\n\n{footer}"
