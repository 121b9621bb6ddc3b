"""The four PATCH flavours: JSON merge (RFC 7386), JSON patch (RFC 6902), strategic merge, and the
structural merge server-side apply uses.

Strategic merge and apply need to know which lists are keyed by which field; `list_merge_key` is the
table of the real Go struct tags (`patchMergeKey`) for the lists clients patch in practice.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch

from .status import ApiError

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
APPLY_PATCH_CBOR = "application/apply-patch+cbor"

# list field name -> merge key; lists absent from the table are atomic (replaced whole).
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "hostAliases": "ip",
    "ownerReferences": "uid",
    "taints": "key",
    "readinessGates": "conditionType",
    "resourceClaims": "name",
    "addresses": "type",
}
# Lists of scalars whose strategy is `merge` (a set union) rather than replace.
MERGED_SCALAR_LISTS = {"finalizers"}


def list_merge_key(path: tuple[str, ...]) -> str | None:
    """The merge key of the list at `path` (field names only), or None when the list is atomic."""
    if not path:
        return None
    field = path[-1]
    if field == "ports":
        # Container ports merge on containerPort; a Service's on port; endpoint ports are atomic.
        if len(path) >= 2 and path[-2] in ("containers", "initContainers", "ephemeralContainers"):
            return "containerPort"
        if path[:-1] == ("spec",):
            return "port"
        return None
    if field == "addresses" and path[:-1] != ("status",):
        return None
    if field == "conditions" and "status" not in path:
        return None
    return _MERGE_KEYS.get(field)


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge_patch(result.get(key), value)
    return result


def json_patch(target: dict[str, Any], operations: Any) -> dict[str, Any]:
    """RFC 6902 through the `jsonpatch` package, with the real server's error codes."""
    if not isinstance(operations, list):
        raise ApiError(400, "json: cannot unmarshal object into Go value of type jsonpatch.Patch", "BadRequest")
    try:
        return jsonpatch.apply_patch(target, operations)
    except jsonpatch.JsonPatchTestFailed as error:
        raise ApiError(
            422, f"the server rejected our request due to an error in our request: {error}", "Invalid"
        ) from error
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, KeyError, IndexError) as error:
        raise ApiError(
            422, f"the server rejected our request due to an error in our request: {error}", "Invalid"
        ) from error


def strategic_merge_patch(original: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Kubernetes strategic merge, with `$patch: replace|delete`, `$retainKeys`,
    `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` directives."""
    if not isinstance(patch, dict):
        raise ApiError(400, "json: cannot unmarshal array into Go value of type map[string]interface {}", "BadRequest")
    merged = _merge_map(original, patch, ())
    return merged if merged is not None else {}


def _merge_map(original: dict[str, Any] | None, patch: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    directive = patch.get("$patch")
    if directive == "delete":
        return None
    if directive == "replace":
        return {key: value for key, value in _strip_directives(patch).items()}
    result = dict(original) if isinstance(original, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys") or key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [item for item in result.get(field) or [] if item not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = _merge_map(result.get(key), value, path + (key,))
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _merge_list(result.get(key), value, path + (key,))
        else:
            result[key] = value
    if retain is not None:
        result = {key: value for key, value in result.items() if key in retain}
    return result


def _merge_list(original: Any, patch: list[Any], path: tuple[str, ...]) -> list[Any]:
    original = original if isinstance(original, list) else []
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch):
        return [_strip_directives(item) for item in patch if not (isinstance(item, dict) and "$patch" in item)]
    merge_key = list_merge_key(path)
    if merge_key is None:
        if path[-1] in MERGED_SCALAR_LISTS:
            return original + [item for item in patch if item not in original]
        return [_strip_directives(item) if isinstance(item, dict) else item for item in patch]
    result = list(original)
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            raise ApiError(400, f"map: {item} does not contain declared merge key: {merge_key}", "BadRequest")
        index = next(
            (
                i
                for i, existing in enumerate(result)
                if isinstance(existing, dict) and existing.get(merge_key) == item[merge_key]
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
            continue
        if index is None:
            result.append(_strip_directives(item))
        else:
            merged = _merge_map(result[index], item, path)
            if merged is None:
                result.pop(index)
            else:
                result[index] = merged
    return result


def _strip_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _strip_directives(item) for key, item in value.items() if not key.startswith("$")}
    if isinstance(value, list):
        return [_strip_directives(item) for item in value]
    return value


def structural_merge(live: Any, applied: Any, path: tuple[str, ...] = ()) -> Any:
    """Merge an applied configuration into the live object: maps recursively, keyed lists by key,
    everything else replaced (the behaviour of structured-merge-diff for the known schemas)."""
    if isinstance(applied, dict):
        result = dict(live) if isinstance(live, dict) else {}
        for key, value in applied.items():
            result[key] = structural_merge(result.get(key), value, path + (key,))
        return result
    if isinstance(applied, list):
        merge_key = list_merge_key(path)
        if merge_key is None or not isinstance(live, list):
            if path and path[-1] in MERGED_SCALAR_LISTS and isinstance(live, list):
                return live + [item for item in applied if item not in live]
            return copy.deepcopy(applied)
        items = list(live)
        for item in applied:
            index = next(
                (
                    i
                    for i, existing in enumerate(items)
                    if isinstance(existing, dict)
                    and isinstance(item, dict)
                    and existing.get(merge_key) == item.get(merge_key)
                ),
                None,
            )
            if index is None:
                items.append(copy.deepcopy(item))
            else:
                items[index] = structural_merge(items[index], item, path)
        return items
    return applied
