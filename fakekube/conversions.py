"""Kinds served at a version other than the one stored: conversions between the served and the stored shape.

The real server stores one version and converts on every request; the fake does the same for the pairs that
differ in shape (core/events.k8s.io Events, autoscaling v1/v2 HorizontalPodAutoscalers). Versions that differ
only in `apiVersion` (custom resources) need no entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .event_versions import to_core_v1, to_events_v1
from .types import ResourceType

Converter = Callable[[dict[str, Any]], dict[str, Any]]


def _hpa_to_v1(hpa: dict[str, Any]) -> dict[str, Any]:
    spec = dict(hpa.get("spec") or {})
    metrics = spec.pop("metrics", None) or []
    spec.pop("behavior", None)
    for metric in metrics:
        target = (metric.get("resource") or {}).get("target") or {}
        if (
            metric.get("type") == "Resource"
            and metric["resource"].get("name") == "cpu"
            and "averageUtilization" in target
        ):
            spec["targetCPUUtilizationPercentage"] = target["averageUtilization"]
    status = dict(hpa.get("status") or {})
    for current in status.pop("currentMetrics", None) or []:
        usage = ((current or {}).get("resource") or {}).get("current") or {}
        if (current.get("resource") or {}).get("name") == "cpu" and "averageUtilization" in usage:
            status["currentCPUUtilizationPercentage"] = usage["averageUtilization"]
    status.pop("conditions", None)
    return {**hpa, "apiVersion": "autoscaling/v1", "spec": spec, **({"status": status} if "status" in hpa else {})}


def _hpa_to_v2(hpa: dict[str, Any]) -> dict[str, Any]:
    spec = dict(hpa.get("spec") or {})
    target = spec.pop("targetCPUUtilizationPercentage", None)
    if target is not None:
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}},
            }
        ]
    status = dict(hpa.get("status") or {})
    current = status.pop("currentCPUUtilizationPercentage", None)
    if current is not None:
        status["currentMetrics"] = [
            {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": current}}}
        ]
    return {**hpa, "apiVersion": "autoscaling/v2", "spec": spec, **({"status": status} if "status" in hpa else {})}


# (served apiVersion, kind) -> (stored -> served, served -> stored)
CONVERTERS: dict[tuple[str, str], tuple[Converter, Converter]] = {
    ("events.k8s.io/v1", "Event"): (to_events_v1, to_core_v1),
    ("autoscaling/v1", "HorizontalPodAutoscaler"): (_hpa_to_v1, _hpa_to_v2),
}


def to_served(obj: dict[str, Any], resource_type: ResourceType) -> dict[str, Any]:
    """A stored object as `resource_type`'s version serves it."""
    if obj.get("apiVersion") == resource_type.api_version:
        return obj
    converters = CONVERTERS.get((resource_type.api_version, resource_type.kind))
    if converters is not None:
        return converters[0](obj)
    if obj.get("kind") != resource_type.kind:
        return obj
    return {**obj, "apiVersion": resource_type.api_version}


def to_stored(body: dict[str, Any], resource_type: ResourceType) -> dict[str, Any]:
    """A request body in `resource_type`'s shape, converted to the stored version's."""
    converters = CONVERTERS.get((resource_type.api_version, resource_type.kind))
    return converters[1](body) if converters is not None else body
