"""The OpenAPI surface. v3: the group-version index and, per group-version, a document with each kind's paths
and schemas. Built-in kinds' schemas describe every field, generated from the official client's models (see
`openapi_models`); a custom resource's schema carries only its `x-kubernetes-group-version-kind`.
v2: a document with no definitions.

kubectl downloads v2 before validating and reads v3 to learn that the server validates fields itself (it then
sends `fieldValidation` instead of validating client-side), so `kubectl apply` and `kubectl create -f` work
without `--validate=false`; `kubectl explain` reads the v3 documents. A document is built on first request and
kept (see `group_version_document`): seeding and the other requests never pay for it.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import kubernetes

from .openapi_models import kind_schemas, package
from .store import encode_json
from .types import ResourceType, TypeRegistry

# Part of each document's hash, so that a client's cached documents go stale when the generator changes.
DOCUMENT_REVISION = "3"


def schema_name(resource_type: ResourceType) -> str:
    """`io.k8s.api.apps.v1.Deployment` for built-ins, reversed-group names for custom resources."""
    if resource_type.custom:
        prefix = ".".join(reversed(resource_type.group.split(".")))
        return f"{prefix}.{resource_type.version}.{resource_type.kind}"
    return f"{package(resource_type.group)}.{resource_type.version}.{resource_type.kind}"


def group_version_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


_DocumentKey = tuple[str, str, tuple[ResourceType, ...], tuple[str, ...]]


def _document_key(registry: TypeRegistry, group: str, version: str) -> _DocumentKey | None:
    """What a group-version's document is made of, or None when nothing is served there."""
    types = tuple(registry.in_group_version(group, version))
    if not types:
        return None
    core_kinds = tuple(t.kind for t in registry.in_group_version("", "v1") if not t.custom)
    return group, version, types, core_kinds


def group_version_document(registry: TypeRegistry, group: str, version: str) -> dict[str, Any] | None:
    """The v3 document of a group-version, or None when nothing is served there. Shared: do not change it."""
    key = _document_key(registry, group, version)
    return None if key is None else _document(*key)


def group_version_body(registry: TypeRegistry, group: str, version: str) -> bytes | None:
    """The document as the server sends it, encoded once (the largest are some 300 KiB)."""
    key = _document_key(registry, group, version)
    return None if key is None else _encoded(*key)


@functools.lru_cache(maxsize=64)
def _encoded(group: str, version: str, types: tuple[ResourceType, ...], core_kinds: tuple[str, ...]) -> bytes:
    return encode_json(_document(group, version, types, core_kinds))


@functools.lru_cache(maxsize=64)
def _document(group: str, version: str, types: tuple[ResourceType, ...], core_kinds: tuple[str, ...]) -> dict[str, Any]:
    built_in = tuple(t.kind for t in types if not t.custom)
    schemas = dict(kind_schemas(group, version, built_in, core_kinds))
    for resource_type in types:
        name = schema_name(resource_type)
        if name not in schemas:  # a custom resource, or a kind the client has no model for
            schemas[name] = {
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": True,
                "x-kubernetes-group-version-kind": [{"group": group, "kind": resource_type.kind, "version": version}],
            }
    paths: dict[str, Any] = {}
    for resource_type in types:
        paths.update(_resource_paths(resource_type))
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.4"},
        "paths": paths,
        "components": {"schemas": schemas},
    }


_WRITE_PARAMETERS = [
    {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}
    for name in ("dryRun", "fieldManager", "fieldValidation")
]


def _resource_paths(resource_type: ResourceType) -> dict[str, Any]:
    """The collection and item paths of a kind, each operation naming its kind and action as the real ones do:
    `kubectl explain` finds a resource's kind there, and kubectl learns that `fieldValidation` is understood."""
    gvk = {"group": resource_type.group, "version": resource_type.version, "kind": resource_type.kind}
    base = "/" + group_version_path(resource_type.group, resource_type.version)
    scope = f"{base}/namespaces/{{namespace}}" if resource_type.namespaced else base
    collection = f"{scope}/{resource_type.plural}"

    def operation(action: str, parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        found: dict[str, Any] = {
            "operationId": f"{action}{resource_type.kind}",
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk,
            "responses": {"200": {"description": "OK"}},
        }
        if parameters:
            found["parameters"] = parameters
        return found

    verbs = set(resource_type.verbs)
    listing: dict[str, Any] = {}
    item: dict[str, Any] = {}
    if "list" in verbs:
        listing["get"] = operation("list")
    if "create" in verbs:
        listing["post"] = operation("post", _WRITE_PARAMETERS)
    if "get" in verbs:
        item["get"] = operation("get")
    if "update" in verbs:
        item["put"] = operation("put", _WRITE_PARAMETERS)
    if "patch" in verbs:
        item["patch"] = operation("patch", [*_WRITE_PARAMETERS, {"name": "force", "in": "query"}])
    if "delete" in verbs:
        item["delete"] = operation("delete", _WRITE_PARAMETERS[:1])
    return {path: ops for path, ops in ((collection, listing), (f"{collection}/{{name}}", item)) if ops}


def index(registry: TypeRegistry) -> dict[str, Any]:
    """`/openapi/v3`: each group-version's document URL, with a hash that changes with its contents.

    The hash is taken of what a document is made from (the types served there, the client's models and this
    generator's revision) rather than of the document, so listing the index builds no document."""
    paths = {}
    for group, versions in registry.groups().items():
        for version in versions:
            made_of = repr((DOCUMENT_REVISION, kubernetes.__version__, registry.in_group_version(group, version)))
            digest = hashlib.sha512(made_of.encode()).hexdigest()[:128].upper()
            path = group_version_path(group, version)
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": paths}


V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
# The server answers with a parseable spelling of the same type (`@` is not valid in a media type).
V2_PROTOBUF_RESPONSE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
_V2_INFO = {"title": "Kubernetes", "version": "v1.32.4"}


def _protobuf_string(field: int, text: str) -> bytes:
    data = text.encode()
    return bytes([field << 3 | 2]) + _varint(len(data)) + data


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def v2_document_protobuf() -> bytes:
    """The gnostic `openapi_v2.Document` {swagger: "2.0", info: {title, version}} in protobuf wire format."""
    info = _protobuf_string(1, _V2_INFO["title"]) + _protobuf_string(2, _V2_INFO["version"])
    return _protobuf_string(1, "2.0") + bytes([2 << 3 | 2]) + _varint(len(info)) + info


def v2_document() -> dict[str, Any]:
    return {"swagger": "2.0", "info": _V2_INFO, "paths": {}, "definitions": {}}
