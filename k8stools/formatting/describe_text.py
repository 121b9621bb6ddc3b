"""The text layout of ``describe``: aligned ``Key:  value`` blocks and indented sub-blocks."""

from __future__ import annotations

from collections.abc import Sequence

from .labels import NONE

Field = tuple[str, str]
# Values longer than this (annotations holding JSON, condition messages) are cut.
VALUE_LIMIT = 200


def field_lines(fields: Sequence[Field], indent: int = 0) -> list[str]:
    """Render ``Key:`` and value pairs with the values aligned, like kubectl's describe.

    A value with several lines continues under the first, at the value column; an empty value
    reads ``<none>``.
    """
    if not fields:
        return []
    width = max(len(key) for key, _ in fields) + 2
    prefix = " " * indent
    lines = []
    for key, value in fields:
        parts = (value or NONE).split("\n")
        lines.append(f"{prefix}{(key + ':').ljust(width)}{parts[0]}".rstrip())
        lines += [f"{prefix}{' ' * width}{part}".rstrip() for part in parts[1:]]
    return lines


def indent_block(text: str, indent: int) -> list[str]:
    """Indent every line of ``text`` by ``indent`` spaces."""
    prefix = " " * indent
    return [f"{prefix}{line}".rstrip() for line in text.splitlines()]


def clip(text: object, limit: int = VALUE_LIMIT) -> str:
    """One-line ``text`` cut to ``limit`` characters with ``…``."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def mapping_text(values: dict[str, object] | None, separator: str = ", ") -> str:
    """``k=v, k=v`` in key order, or ``<none>``."""
    if not values:
        return NONE
    return separator.join(f"{key}={value}" for key, value in values.items())
