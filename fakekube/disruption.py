"""The disruption controller: keeps each PodDisruptionBudget's status in step with the pods it selects,
so evictions (and `kubectl drain`) are refused when they would break a budget."""

from __future__ import annotations

import math
from typing import Any

from .objects import now_timestamp
from .selectors import label_selector_from_match, labels_match
from .store import Store


def _pod_ready(pod: dict[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and any(
        condition.get("type") == "Ready" and condition.get("status") == "True"
        for condition in (pod.get("status") or {}).get("conditions") or []
    )


def _scaled(value: int | str, total: int) -> int:
    """An IntOrString count: `2`, or `50%` of `total` rounded up as the real controller does."""
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(int(value[:-1]) * total / 100)
    return int(value)


def budget_status(budget: dict[str, Any], pods: list[dict[str, Any]]) -> dict[str, Any]:
    spec = budget.get("spec") or {}
    requirements = label_selector_from_match(spec.get("selector"))
    selected = [
        pod
        for pod in pods
        if requirements and labels_match(requirements, pod) and not pod["metadata"].get("deletionTimestamp")
    ]
    expected = len(selected)
    healthy = sum(1 for pod in selected if _pod_ready(pod))
    if "minAvailable" in spec:
        desired = _scaled(spec["minAvailable"], expected)
    elif "maxUnavailable" in spec:
        desired = max(0, expected - _scaled(spec["maxUnavailable"], expected))
    else:
        desired = expected
    allowed = max(0, healthy - desired)
    previous: dict[str, Any] = next(
        (c for c in (budget.get("status") or {}).get("conditions") or [] if c.get("type") == "DisruptionAllowed"), {}
    )
    state = "True" if allowed > 0 else "False"
    return {
        "observedGeneration": budget["metadata"].get("generation", 1),
        "disruptionsAllowed": allowed,
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "expectedPods": expected,
        "conditions": [
            {
                "type": "DisruptionAllowed",
                "status": state,
                "reason": "SufficientPods" if allowed > 0 else "InsufficientPods",
                "message": "",
                "observedGeneration": budget["metadata"].get("generation", 1),
                "lastTransitionTime": previous.get("lastTransitionTime", now_timestamp())
                if previous.get("status") == state
                else now_timestamp(),
            }
        ],
    }


def refresh_budgets(store: Store, namespace: str | None) -> None:
    """Recompute the status of every budget in `namespace` (after a pod or budget changed there)."""
    if not namespace:
        return
    budgets = store.items("policy", "poddisruptionbudgets", namespace)
    if not budgets:
        return
    pods = store.items("", "pods", namespace)
    for budget in budgets:
        status = budget_status(budget, pods)
        if budget.get("status") != status:
            store.put(
                "policy",
                "poddisruptionbudgets",
                {**budget, "metadata": dict(budget["metadata"]), "status": status},
                "MODIFIED",
            )
