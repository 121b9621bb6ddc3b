"""The simple JSONPath subset CRDs use for printer columns and scale paths: `.spec.replicas`,
`.status.conditions[0].type`, `.spec.items[*].name`."""

from __future__ import annotations

import re
from typing import Any

_PARTS = re.compile(r"[^.\[\]]+|\[[^\]]*\]")


def read_path(obj: Any, path: str) -> Any:
    """The value at `path`; several matches are joined with commas, none is None."""
    values = [obj]
    for part in _PARTS.findall(path.strip().lstrip(".")):
        if part.startswith("["):
            index = part[1:-1]
            values = [
                item
                for value in values
                if isinstance(value, list)
                for item in (value if index == "*" else value[int(index) : int(index) + 1])
            ]
        else:
            values = [value.get(part) for value in values if isinstance(value, dict) and part in value]
    if not values:
        return None
    return values[0] if len(values) == 1 else ",".join(str(value) for value in values)


def write_path(obj: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted field path (`.spec.replicas`), creating the maps on the way."""
    fields = [part for part in path.strip().lstrip(".").split(".") if part]
    node = obj
    for field in fields[:-1]:
        node = node.setdefault(field, {})
    node[fields[-1]] = value
