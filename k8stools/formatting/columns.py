"""What a kind's table looks like: its headers, normal and wide, and how one object becomes a row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .age import humanize_age

NONE = "<none>"

RowBuilder = Callable[[dict[str, Any], datetime, bool], list[str]]


@dataclass(frozen=True)
class KindColumns:
    """The columns ``kubectl get`` prints for one kind; ``row`` returns the wide cells when asked."""

    headers: tuple[str, ...]
    wide_headers: tuple[str, ...]
    row: RowBuilder

    def headers_for(self, wide: bool) -> tuple[str, ...]:
        """The header row for the normal or the wide table."""
        return self.wide_headers if wide else self.headers


def kind_columns(headers: str, row: RowBuilder, *, wide_extra: str = "", wide: str = "") -> KindColumns:
    """Columns from comma-separated header names.

    The wide headers are ``headers`` followed by ``wide_extra``, or exactly ``wide`` when the wide
    table orders its columns differently.
    """
    normal = tuple(headers.split(","))
    if wide:
        return KindColumns(normal, tuple(wide.split(",")), row)
    extra = tuple(wide_extra.split(",")) if wide_extra else ()
    return KindColumns(normal, normal + extra, row)


def metadata(obj: dict[str, Any]) -> dict[str, Any]:
    """The object's ``metadata`` mapping, empty when absent."""
    value = obj.get("metadata")
    return value if isinstance(value, dict) else {}


def name_of(obj: dict[str, Any]) -> str:
    """The object's name."""
    return str(metadata(obj).get("name") or "")


def age_of(obj: dict[str, Any], now: datetime) -> str:
    """The AGE column: time since ``metadata.creationTimestamp``."""
    return humanize_age(metadata(obj).get("creationTimestamp"), now)


def created_at(obj: dict[str, Any]) -> str:
    """The CREATED AT column kubectl prints for RBAC roles and CRDs (RFC 3339, UTC)."""
    return str(metadata(obj).get("creationTimestamp") or NONE)


def count(value: Any) -> str:
    """An integer field as text, 0 when absent."""
    try:
        return str(int(value or 0))
    except (TypeError, ValueError):
        return "0"


def containers_and_images(pod_spec: dict[str, Any] | None) -> list[str]:
    """The CONTAINERS and IMAGES cells of a wide workload table."""
    containers = (pod_spec or {}).get("containers") or []
    return [
        ",".join(str(c.get("name", "")) for c in containers),
        ",".join(str(c.get("image", "")) for c in containers),
    ]


def template_spec(obj: dict[str, Any]) -> dict[str, Any]:
    """The pod spec inside a workload's ``spec.template``."""
    return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
