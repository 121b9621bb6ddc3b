"""Server-side metadata and validation shared by every write: names, uids, timestamps, generation."""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from .status import ApiError, invalid_error
from .types import ResourceType

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
# Kinds whose names must be DNS-1123 labels rather than subdomains.
_LABEL_NAMED = {("", "namespaces"), ("", "services")}
# Characters the real server's generateName suffix is drawn from (no vowels, no look-alikes).
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_names_random = random.Random(1234)


def now_timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def random_suffix(length: int = 5) -> str:
    return "".join(_names_random.choice(_SUFFIX_ALPHABET) for _ in range(length))


def new_uid() -> str:
    return str(uuid.UUID(int=_names_random.getrandbits(128), version=4))


def check_name(resource_type: ResourceType, name: str) -> None:
    """422 for names the real validators refuse."""
    as_label = (resource_type.group, resource_type.plural) in _LABEL_NAMED
    pattern, message, limit = (_LABEL, LABEL_MESSAGE, 63) if as_label else (_SUBDOMAIN, SUBDOMAIN_MESSAGE, 253)
    if len(name) > limit:
        text = f'Invalid value: "{name}": must be no more than {limit} characters'
    elif not pattern.match(name):
        text = f'Invalid value: "{name}": {message}'
    else:
        return
    raise invalid_error(
        resource_type.kind,
        name,
        resource_type.group,
        [{"reason": "FieldValueInvalid", "message": text, "field": "metadata.name"}],
    )


def check_identity(
    resource_type: ResourceType, body: dict[str, Any], path_namespace: str | None, path_name: str | None = None
) -> None:
    """The body must be the kind the path names, in the path's namespace (400 like the real decoder)."""
    if not isinstance(body, dict):
        raise ApiError(400, "the object provided is unrecognized (must be of type dict)", "BadRequest")
    api_version, kind = body.get("apiVersion"), body.get("kind")
    if api_version and api_version != resource_type.api_version:
        raise ApiError(
            400,
            f"the API version in the data ({api_version}) does not match the expected API version "
            f"({resource_type.api_version})",
            "BadRequest",
        )
    if kind and kind != resource_type.kind:
        raise ApiError(
            400, f"the kind in the data ({kind}) does not match the expected kind ({resource_type.kind})", "BadRequest"
        )
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ApiError(400, "metadata must be an object", "BadRequest")
    body_namespace = metadata.get("namespace")
    if resource_type.namespaced and body_namespace and path_namespace and body_namespace != path_namespace:
        raise ApiError(
            400, "the namespace of the provided object does not match the namespace sent on the request", "BadRequest"
        )
    body_name = metadata.get("name")
    if path_name is not None and body_name and body_name != path_name:
        raise ApiError(
            400, f"the name of the object ({body_name}) does not match the name on the URL ({path_name})", "BadRequest"
        )


def prepare_new(resource_type: ResourceType, body: dict[str, Any], namespace: str | None) -> dict[str, Any]:
    """A new object ready to store: kind/apiVersion, name (or generateName), uid, timestamps, generation."""
    obj = dict(body)
    obj["apiVersion"], obj["kind"] = resource_type.api_version, resource_type.kind
    metadata = dict(obj.get("metadata") or {})
    if not metadata.get("name"):
        if metadata.get("generateName"):
            metadata["name"] = metadata["generateName"] + random_suffix()
        else:
            raise invalid_error(
                resource_type.kind,
                "",
                resource_type.group,
                [
                    {
                        "reason": "FieldValueRequired",
                        "message": "Required value: name or generateName is required",
                        "field": "metadata.name",
                    }
                ],
            )
    check_name(resource_type, metadata["name"])
    if resource_type.namespaced:
        metadata["namespace"] = namespace
    else:
        metadata.pop("namespace", None)
    for server_field in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"):
        metadata.pop(server_field, None)
    metadata["uid"] = new_uid()
    metadata["creationTimestamp"] = now_timestamp()
    if "spec" in obj or resource_type.custom:
        metadata["generation"] = 1
    obj["metadata"] = metadata
    return obj


def carry_server_fields(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """An update keeps what only the server sets, and bumps generation when anything but metadata/status moved."""
    metadata = dict(new.get("metadata") or {})
    old_metadata = old["metadata"]
    for server_field in (
        "uid",
        "creationTimestamp",
        "namespace",
        "name",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ):
        if server_field in old_metadata:
            metadata[server_field] = old_metadata[server_field]
        else:
            metadata.pop(server_field, None)
    if "managedFields" not in metadata and "managedFields" in old_metadata:
        metadata["managedFields"] = old_metadata["managedFields"]
    if "generation" in old_metadata:
        metadata["generation"] = old_metadata["generation"]
    new = dict(new)
    new["metadata"] = metadata
    new["apiVersion"], new["kind"] = old["apiVersion"], old["kind"]
    return new


def reseed_names(seed: int) -> None:
    """Make generated names and uids repeat for the same seed (seeding a cluster deterministically)."""
    _names_random.seed(seed)


def without_nulls(value: Any) -> Any:
    """`value` with null map entries removed: what a typed client sends for an unchanged object."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def bump_generation(old: dict[str, Any], new: dict[str, Any]) -> None:
    """Generation moves when anything but metadata and status changed (in place on `new`)."""
    if "generation" not in old["metadata"]:
        return
    changed = any(
        without_nulls(old.get(key)) != without_nulls(new.get(key))
        for key in set(old) | set(new)
        if key not in ("metadata", "status", "apiVersion", "kind")
    )
    new["metadata"]["generation"] = old["metadata"]["generation"] + (1 if changed else 0)
