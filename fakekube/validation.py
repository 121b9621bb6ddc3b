"""The required-field checks of the real validators for the kinds clients create most, with their messages:
a pod needs containers with names and images, a workload's selector must match its template's labels, a
ClusterIP service needs ports."""

from __future__ import annotations

import re
from typing import Any

from .selectors import label_selector_from_match, labels_match
from .status import invalid_error
from .types import ResourceType

_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_WORKLOADS = {("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"), ("apps", "daemonsets")}


def _go_map(labels: dict[str, str]) -> str:
    """How Go prints a map[string]string in validation messages."""
    return "map[string]string{" + ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items())) + "}"


def _pod_spec_causes(spec: dict[str, Any], prefix: str) -> list[dict[str, str]]:
    causes = []
    containers = spec.get("containers") or []
    if not containers:
        causes.append({"reason": "FieldValueRequired", "message": "Required value", "field": f"{prefix}.containers"})
    for index, container in enumerate(containers):
        field = f"{prefix}.containers[{index}]"
        name = container.get("name")
        if not name:
            causes.append({"reason": "FieldValueRequired", "message": "Required value", "field": f"{field}.name"})
        elif not _LABEL.match(name):
            causes.append(
                {
                    "reason": "FieldValueInvalid",
                    "field": f"{field}.name",
                    "message": f'Invalid value: "{name}": a lowercase RFC 1123 label must consist of lower case '
                    "alphanumeric characters or '-', and must start and end with an alphanumeric character",
                }
            )
        if not container.get("image"):
            causes.append({"reason": "FieldValueRequired", "message": "Required value", "field": f"{field}.image"})
    return causes


def _workload_causes(spec: dict[str, Any]) -> list[dict[str, str]]:
    causes = []
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and replicas < 0:
        causes.append(
            {
                "reason": "FieldValueInvalid",
                "message": f"Invalid value: {replicas}: must be greater than or equal to 0",
                "field": "spec.replicas",
            }
        )
    selector = spec.get("selector")
    if not selector or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return [*causes, {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.selector"}]
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    if not labels_match(label_selector_from_match(selector), {"metadata": {"labels": labels}}):
        causes.append(
            {
                "reason": "FieldValueInvalid",
                "field": "spec.template.metadata.labels",
                "message": f"Invalid value: {_go_map(labels)}: `selector` does not match template `labels`",
            }
        )
    return causes + _pod_spec_causes(template.get("spec") or {}, "spec.template.spec")


def validate(resource_type: ResourceType, old: dict[str, Any] | None, obj: dict[str, Any]) -> None:
    """Admission hook: raise the real 422 when a create or update breaks one of the rules above."""
    key = (resource_type.group, resource_type.plural)
    spec = obj.get("spec") or {}
    if key == ("", "pods"):
        causes = _pod_spec_causes(spec, "spec")
    elif key in _WORKLOADS:
        causes = _workload_causes(spec)
    elif key == ("batch", "jobs"):
        causes = _pod_spec_causes(((spec.get("template") or {}).get("spec") or {}), "spec.template.spec")
    elif (
        key == ("", "services")
        and spec.get("type", "ClusterIP") in ("ClusterIP", "NodePort", "LoadBalancer")
        and spec.get("clusterIP") != "None"
        and not spec.get("ports")
    ):
        causes = [{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.ports"}]
    else:
        return
    if causes:
        raise invalid_error(resource_type.kind, obj["metadata"]["name"], resource_type.group, causes)
