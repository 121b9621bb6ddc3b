"""`metadata.managedFields`: which manager owns which field, in the real `FieldsV1` format.

A field set is a set of leaf paths; a path is a tuple of `f:<field>` / `k:<json key>` / `v:<json value>`
elements, exactly the keys `FieldsV1` nests. Server-side apply uses the sets to find conflicts and to
remove fields an applier stopped applying.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .objects import now_timestamp
from .patches import MERGED_SCALAR_LISTS, list_merge_key
from .status import ApiError

Path = tuple[str, ...]
# Metadata the server owns; never part of any manager's set.
_UNTRACKED_METADATA = {
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
    "generateName",
}


@dataclass
class ManagerEntry:
    manager: str
    operation: str
    api_version: str
    time: str
    fields: set[Path]
    subresource: str = ""

    def as_dict(self) -> dict[str, Any]:
        entry = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": to_fields_v1(self.fields),
        }
        if self.subresource:
            entry["subresource"] = self.subresource
        return entry


def leaf_values(obj: dict[str, Any], subresource: str = "") -> dict[Path, Any]:
    """Every owned leaf of `obj` with its value (`status` only for the status subresource)."""
    values: dict[Path, Any] = {}
    for key, value in obj.items():
        if key in ("apiVersion", "kind"):
            continue
        if (key == "status") != (subresource == "status"):
            continue
        if key == "metadata":
            value = {k: v for k, v in (value or {}).items() if k not in _UNTRACKED_METADATA}
            if not value:
                continue
        _collect(value, (f"f:{key}",), (key,), values)
    return values


def _collect(value: Any, path: Path, names: tuple[str, ...], values: dict[Path, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _collect(item, path + (f"f:{key}",), names + (key,), values)
    elif isinstance(value, list) and value:
        merge_key = list_merge_key(names)
        if merge_key and all(isinstance(item, dict) and merge_key in item for item in value):
            for item in value:
                item_path = path + ("k:" + json.dumps({merge_key: item[merge_key]}, separators=(",", ":")),)
                values[item_path + (".",)] = True
                _collect(item, item_path, names, values)
        elif names[-1] in MERGED_SCALAR_LISTS:
            for item in value:
                values[path + ("v:" + json.dumps(item),)] = item
        else:
            values[path] = value
    else:
        values[path] = value


def to_fields_v1(fields: set[Path]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in sorted(fields):
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    return tree


def from_fields_v1(tree: dict[str, Any], prefix: Path = ()) -> set[Path]:
    fields: set[Path] = set()
    for key, child in tree.items():
        if child:
            fields |= from_fields_v1(child, prefix + (key,))
        else:
            fields.add(prefix + (key,))
    return fields


def read_entries(obj: dict[str, Any] | None) -> list[ManagerEntry]:
    entries = []
    for raw in ((obj or {}).get("metadata") or {}).get("managedFields") or []:
        entries.append(
            ManagerEntry(
                raw.get("manager", ""),
                raw.get("operation", "Update"),
                raw.get("apiVersion", ""),
                raw.get("time", ""),
                from_fields_v1(raw.get("fieldsV1") or {}),
                raw.get("subresource", ""),
            )
        )
    return entries


def write_entries(obj: dict[str, Any], entries: list[ManagerEntry]) -> None:
    kept = [entry.as_dict() for entry in entries if entry.fields]
    metadata = dict(obj.get("metadata") or {})
    if kept:
        metadata["managedFields"] = kept
    else:
        metadata.pop("managedFields", None)
    obj["metadata"] = metadata


def _entry_for(
    entries: list[ManagerEntry], manager: str, operation: str, subresource: str, api_version: str
) -> ManagerEntry:
    for entry in entries:
        if (entry.manager, entry.operation, entry.subresource) == (manager, operation, subresource):
            entry.api_version, entry.time = api_version, now_timestamp()
            return entry
    entry = ManagerEntry(manager, operation, api_version, now_timestamp(), set(), subresource)
    entries.append(entry)
    return entry


def record_update(old: dict[str, Any] | None, new: dict[str, Any], manager: str, subresource: str = "") -> None:
    """An Update (create, PUT, non-apply PATCH): `manager` takes the fields it changed, in place on `new`."""
    old_values = leaf_values(old, subresource) if old else {}
    new_values = leaf_values(new, subresource)
    changed = {path for path, value in new_values.items() if old_values.get(path, _MISSING) != value}
    removed = set(old_values) - set(new_values)
    entries = read_entries(old) if old else []
    for entry in entries:
        entry.fields -= changed | removed
    if changed:
        _entry_for(entries, manager, "Update", subresource, new["apiVersion"]).fields |= changed
    write_entries(new, entries)


_MISSING = object()


def describe_manager(entry: ManagerEntry) -> str:
    text = json.dumps(entry.manager)
    if entry.subresource:
        text += f" with subresource {json.dumps(entry.subresource)}"
    if entry.operation == "Update":
        text += f" using {entry.api_version}"
    return text


def path_string(path: Path) -> str:
    """`.spec.containers[name="web"].image`, the way structured-merge-diff prints paths."""
    text = ""
    for element in path:
        kind, _, rest = element.partition(":")
        if element == ".":
            continue
        if kind == "f":
            text += "." + rest
        elif kind == "k":
            key = json.loads(rest)
            text += "[" + ",".join(f"{name}={json.dumps(value)}" for name, value in key.items()) + "]"
        elif kind == "v":
            text += f"[={rest}]"
    return text


def apply_ownership(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    merged: dict[str, Any],
    manager: str,
    force: bool,
    subresource: str = "",
) -> dict[str, Any]:
    """Check conflicts, drop fields `manager` stopped applying, and record its Apply entry; returns the result."""
    applied_values = leaf_values(applied, subresource)
    live_values = leaf_values(live, subresource) if live else {}
    entries = read_entries(live)
    conflicts: list[tuple[ManagerEntry, Path]] = []
    for entry in entries:
        if (entry.manager, entry.operation) == (manager, "Apply") or entry.subresource != subresource:
            continue
        for path in sorted(entry.fields & set(applied_values)):
            if live_values.get(path, _MISSING) != applied_values[path]:
                conflicts.append((entry, path))
    if conflicts and not force:
        raise _conflict_error(conflicts)
    changed = {path for path, value in applied_values.items() if live_values.get(path, _MISSING) != value}
    for entry in entries:
        if (entry.manager, entry.operation) != (manager, "Apply"):
            entry.fields -= changed
    mine = _entry_for(entries, manager, "Apply", subresource, applied.get("apiVersion") or merged["apiVersion"])
    owned_by_others = set().union(*(entry.fields for entry in entries if entry is not mine))
    for path in sorted(mine.fields - set(applied_values) - owned_by_others, key=len, reverse=True):
        _remove_path(merged, path)
    mine.fields = set(applied_values)
    write_entries(merged, entries)
    return merged


def _conflict_error(conflicts: list[tuple[ManagerEntry, Path]]) -> ApiError:
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {describe_manager(entry)}",
            "field": path_string(path),
        }
        for entry, path in conflicts
    ]
    if len(conflicts) == 1:
        entry, path = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {describe_manager(entry)}: {path_string(path)}"
    else:
        by_manager: dict[str, list[str]] = {}
        for entry, path in conflicts:
            by_manager.setdefault(describe_manager(entry), []).append(path_string(path))
        lines = []
        for described in sorted(by_manager):
            lines.append(f"conflicts with {described}:")
            lines.extend(f"- {path}" for path in by_manager[described])
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return ApiError(409, message, "Conflict", causes=causes)


def _remove_path(obj: Any, path: Path) -> None:
    """Delete the leaf at `path`, then any map or keyed item it leaves empty."""
    trail: list[tuple[Any, Any]] = []
    node = obj
    for element in path:
        if element == ".":
            break
        kind, _, rest = element.partition(":")
        if kind == "f" and isinstance(node, dict) and rest in node:
            trail.append((node, rest))
            node = node[rest]
        elif kind == "k" and isinstance(node, list):
            key = json.loads(rest)
            index = next(
                (
                    i
                    for i, item in enumerate(node)
                    if isinstance(item, dict) and all(item.get(k) == v for k, v in key.items())
                ),
                None,
            )
            if index is None:
                return
            trail.append((node, index))
            node = node[index]
        elif kind == "v" and isinstance(node, list):
            value = json.loads(rest)
            if value in node:
                trail.append((node, node.index(value)))
                node = value
            else:
                return
        else:
            return
    # The keyed item itself goes only once its own fields are gone (they are removed first).
    if (
        path
        and path[-1] == "."
        and isinstance(node, dict)
        and any(k for k in node if k not in json.loads(path[-2][2:]))
    ):
        return
    for container, key in reversed(trail):
        if isinstance(container, list):
            container.pop(key)
        else:
            del container[key]
        if container:
            break
