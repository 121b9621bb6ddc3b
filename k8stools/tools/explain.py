"""explain: a kind's or a field's documentation from the cluster's own OpenAPI v3 document, like kubectl explain."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from pydantic import Field

from k8stools.apirequest import nonresource
from k8stools.guard import GuardedClient
from k8stools.kube import KubeError, ResourceType
from k8stools.resources import resolve
from k8stools.tools.call import ToolCall
from k8stools.tools.errors import ToolInputError
from k8stools.tools.registry import kube_tool

MAX_DEPTH = 12
REF_PREFIX = "#/components/schemas/"


def _document(client: GuardedClient, kind: ResourceType) -> dict[str, Any]:
    gv_segments = ("apis", kind.group, kind.version) if kind.group else ("api", kind.version)
    gv_path = "/".join(gv_segments)
    try:
        index = client.request(nonresource("openapi", "v3")).get("paths") or {}
    except KubeError as error:
        if error.status == 404:
            raise ToolInputError(
                "this API server does not publish OpenAPI v3 (/openapi/v3); explain needs Kubernetes 1.27 or later"
            ) from None
        raise
    entry = index.get(gv_path)
    if not entry:
        raise ToolInputError(f"the API server publishes no OpenAPI document for {kind.api_version}")
    # The path comes from our own template; of the server's URL only its query (the cache-busting hash) is kept.
    query = parse_qsl(urlsplit(entry.get("serverRelativeURL") or "").query)
    document: dict[str, Any] = client.request(nonresource("openapi", "v3", *gv_segments, query=query))
    return document


def _kind_schema(schemas: dict[str, Any], kind: ResourceType) -> dict[str, Any]:
    for schema in schemas.values():
        for gvk in schema.get("x-kubernetes-group-version-kind") or []:
            if (gvk.get("group", ""), gvk.get("version"), gvk.get("kind")) == (kind.group, kind.version, kind.kind):
                return dict(schema)
    raise ToolInputError(f"the OpenAPI document for {kind.api_version} has no schema for {kind.kind}")


def _deref(schema: dict[str, Any], schemas: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The schema a `$ref` (or a single-entry `allOf`) points at, with the referenced type's short name."""
    ref = schema.get("$ref")
    if ref is None and len(schema.get("allOf") or []) == 1:
        ref = schema["allOf"][0].get("$ref")
    if not ref:
        return schema, None
    name = ref.removeprefix(REF_PREFIX)
    target = dict(schemas.get(name) or {})
    if schema.get("description") and not target.get("description"):
        target["description"] = schema["description"]
    return {**target, "description": schema.get("description") or target.get("description", "")}, name


def type_name(schema: dict[str, Any], schemas: dict[str, Any]) -> str:
    """kubectl explain's type label: <string>, <[]Container>, <map[string]string>, <IntOrString>."""
    resolved, ref = _deref(schema, schemas)
    if resolved.get("format") == "int-or-string":
        return "IntOrString"
    if ref:
        return ref.rsplit(".", 1)[-1]
    if resolved.get("type") == "array":
        return "[]" + type_name(resolved.get("items") or {}, schemas)
    if resolved.get("type") == "object" and "additionalProperties" in resolved and not resolved.get("properties"):
        return "map[string]" + type_name(resolved["additionalProperties"] or {}, schemas)
    return str(resolved.get("type") or "Object")


def _element(schema: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """Follow arrays and references down to the object whose properties a field path continues into."""
    resolved, _ = _deref(schema, schemas)
    while resolved.get("type") == "array":
        resolved, _ = _deref(resolved.get("items") or {}, schemas)
    return resolved


def _fields(
    schema: dict[str, Any], schemas: dict[str, Any], indent: int, recursive: bool, seen: tuple[str, ...]
) -> list[str]:
    lines: list[str] = []
    required = set(schema.get("required") or [])
    for name, child in sorted((schema.get("properties") or {}).items()):
        label = type_name(child, schemas)
        marker = " -required-" if name in required else ""
        pad = "  " * indent
        if recursive:
            lines.append(f"{pad}{name}\t<{label}>{marker}")
            element = _element(child, schemas)
            if element.get("properties") and label not in seen and len(seen) < MAX_DEPTH:
                lines += _fields(element, schemas, indent + 1, True, (*seen, label))
            continue
        lines.append(f"{pad}{name}\t<{label}>{marker}")
        resolved, _ = _deref(child, schemas)
        if resolved.get("enum"):
            lines.append(f"{pad}enum: {', '.join(map(str, resolved['enum']))}")
        description = (child.get("description") or resolved.get("description") or "").strip()
        if description:
            lines.append(f"{pad}  {description}")
        lines.append("")
    return lines


@kube_tool("explain", operation="explain", title="Explain a kind or field", read_only=True, idempotent=True)
def explain(
    call: ToolCall,
    resource: Annotated[
        str, Field(min_length=1, description="A kind, or a kind and field path: deployment, deployment.spec.strategy")
    ],
    apiGroup: Annotated[str | None, Field(description="API group when the kind name is ambiguous (apps)")] = None,
    recursive: Annotated[bool, Field(description="Every nested field's name and type, without descriptions")] = False,
) -> str:
    """Document a kind or one of its fields from the cluster's OpenAPI v3 schema, like kubectl explain:
    type, description, and its fields (all nested ones with recursive: true). Use before writing a manifest."""
    kind_text, *path = [part for part in resource.strip().split(".")]
    if any(not part for part in path):
        raise ToolInputError(f"'{resource}' has an empty field name; write e.g. deployment.spec.strategy")
    client = call.client()
    kind = resolve(client, kind_text, apiGroup)
    call.aim(kind=kind.qualified_name)
    schemas = (_document(client, kind).get("components") or {}).get("schemas") or {}
    schema, label = _kind_schema(schemas, kind), kind.kind
    walked: list[str] = []
    for part in path:
        properties = _element(schema, schemas).get("properties") or {}
        if part not in properties:
            known = ", ".join(sorted(properties)) or "none published"
            where = ".".join([kind.kind, *walked]) if walked else kind.kind
            raise ToolInputError(f"field '{part}' does not exist in {where}; its fields: {known}")
        schema, label = properties[part], type_name(properties[part], schemas)
        walked.append(part)
    element = _element(schema, schemas)
    lines = [
        f"GROUP:      {kind.group}" if kind.group else "GROUP:      (core)",
        f"KIND:       {kind.kind}",
        f"VERSION:    {kind.version}",
        "",
    ]
    if walked:
        lines += [f"FIELD: {walked[-1]} <{label}>", ""]
    description = (schema.get("description") or element.get("description") or "").strip()
    lines += ["DESCRIPTION:", f"    {description or '<empty>'}", ""]
    if element.get("enum") or _deref(schema, schemas)[0].get("enum"):
        lines += [f"ENUM: {', '.join(map(str, element.get('enum') or _deref(schema, schemas)[0]['enum']))}", ""]
    if element.get("properties"):
        lines += ["FIELDS:", *_fields(element, schemas, 1, recursive, (label,))]
    elif element.get("type") == "object" and not walked and not element.get("additionalProperties"):
        lines.append("(this cluster's OpenAPI document describes no fields for this kind)")
    return "\n".join(lines).rstrip()
