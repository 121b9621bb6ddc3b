"""Removing fields from a JSON object by path, for the slim and normal output forms."""

from __future__ import annotations

from typing import Any

# A path is a tuple of keys; "*" stands for every element of a list. Keys are literal, so annotation
# names with dots and slashes need no escaping: ("metadata", "annotations", "meta.helm.sh/release-name").
FieldPath = tuple[str, ...]
EVERY_ITEM = "*"


def remove_path(node: Any, path: FieldPath) -> None:
    """Delete the field at ``path`` from ``node`` in place; a missing step is not an error.

    A mapping left empty by the removal is removed too, so slim output carries no ``annotations: {}``.
    """
    if not path:
        return
    head, rest = path[0], path[1:]
    if head == EVERY_ITEM:
        if isinstance(node, list):
            for item in node:
                remove_path(item, rest)
        return
    if not isinstance(node, dict) or head not in node:
        return
    if not rest:
        del node[head]
        return
    child = node[head]
    was_empty = isinstance(child, dict | list) and not child
    remove_path(child, rest)
    if isinstance(child, dict) and not child and not was_empty:
        del node[head]


def get_path(node: Any, path: FieldPath) -> Any:
    """Return the value at ``path`` (no ``*`` steps), or None when any step is missing."""
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node
