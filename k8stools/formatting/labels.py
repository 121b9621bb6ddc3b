"""Labels and label selectors written the way kubectl writes them."""

from __future__ import annotations

from typing import Any

NONE = "<none>"


def format_labels(labels: dict[str, Any] | None) -> str:
    """``k=v,k=v`` sorted by key, or ``<none>`` (kubectl's ``labels.FormatLabels``)."""
    if not labels:
        return NONE
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def format_selector(selector: dict[str, Any] | None) -> str:
    """A ``LabelSelector`` as kubectl prints it: ``app=web,tier in (a,b),!canary``, or ``<none>``."""
    if not selector:
        return NONE
    requirements: list[tuple[str, str]] = []
    for key, value in (selector.get("matchLabels") or {}).items():
        requirements.append((key, f"{key}={value}"))
    for expression in selector.get("matchExpressions") or []:
        key = str(expression.get("key", ""))
        operator = expression.get("operator")
        values = ",".join(sorted(str(v) for v in expression.get("values") or []))
        if operator == "In":
            requirements.append((key, f"{key} in ({values})"))
        elif operator == "NotIn":
            requirements.append((key, f"{key} notin ({values})"))
        elif operator == "Exists":
            requirements.append((key, key))
        elif operator == "DoesNotExist":
            requirements.append((key, f"!{key}"))
    if not requirements:
        return NONE
    return ",".join(text for _, text in sorted(requirements, key=lambda requirement: requirement[0]))
