"""Label and field selectors, parsed and matched the way the API server does it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class SelectorError(ValueError):
    """A selector the real server would refuse with 400 BadRequest."""


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!"
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        if self.operator in ("=", "in"):
            return present and labels[self.key] in self.values
        # "!=" and "notin" also match objects that lack the label.
        return not present or labels[self.key] not in self.values


_SET_REQUIREMENT = re.compile(r"^\s*(!?)\s*([^\s!=(),]+)\s*(?:(in|notin)\s*\(([^)]*)\))?\s*$")
_EQUALITY = re.compile(r"^\s*([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)\s*$")
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


def _split_terms(selector: str) -> list[str]:
    """Split on commas that are not inside `in (...)` parentheses."""
    terms, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    terms.append(current)
    return [term for term in terms if term.strip()]


def parse_label_selector(selector: str) -> list[Requirement]:
    """`app=web,tier!=db,env in (a,b),!legacy,track` -> requirements (all must match)."""
    requirements = []
    for term in _split_terms(selector):
        equality = _EQUALITY.match(term)
        if equality:
            key, operator, value = equality.groups()
            operator = "=" if operator == "==" else operator
            requirements.append(Requirement(key, operator, (value,)))
        else:
            found = _SET_REQUIREMENT.match(term)
            if not found:
                raise SelectorError(f"unable to parse requirement: {term.strip()}")
            negated, key, operator, values = found.groups()
            if operator:
                if negated:
                    raise SelectorError(f"unable to parse requirement: {term.strip()}")
                parsed = tuple(value.strip() for value in values.split(",") if value.strip())
                requirements.append(Requirement(key, operator, parsed))
            else:
                requirements.append(Requirement(key, "!" if negated else "exists"))
        if not _LABEL_KEY.match(requirements[-1].key):
            raise SelectorError(f"unable to parse requirement: invalid label key {requirements[-1].key!r}")
    return requirements


def label_selector_from_match(selector: dict[str, Any] | None) -> list[Requirement]:
    """A `metav1.LabelSelector` (matchLabels + matchExpressions) as requirements."""
    if not selector:
        return []
    requirements = [Requirement(key, "=", (value,)) for key, value in (selector.get("matchLabels") or {}).items()]
    operators = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expression in selector.get("matchExpressions") or []:
        operator = operators[expression["operator"]]
        requirements.append(Requirement(expression["key"], operator, tuple(expression.get("values") or ())))
    return requirements


def labels_match(requirements: list[Requirement], obj: dict[str, Any]) -> bool:
    labels = obj.get("metadata", {}).get("labels") or {}
    return all(requirement.matches(labels) for requirement in requirements)


def _path(*keys: str) -> Callable[[dict[str, Any]], str]:
    def read(obj: dict[str, Any]) -> str:
        value: Any = obj
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    return read


_COMMON_FIELDS = {"metadata.name": _path("metadata", "name"), "metadata.namespace": _path("metadata", "namespace")}

# Per-resource field labels, as each kind's registry strategy declares them (GetAttrs / field label conversions).
_FIELDS_BY_RESOURCE: dict[tuple[str, str], dict[str, Callable[[dict[str, Any]], str]]] = {
    ("", "pods"): {
        "spec.nodeName": _path("spec", "nodeName"),
        "spec.restartPolicy": _path("spec", "restartPolicy"),
        "spec.schedulerName": _path("spec", "schedulerName"),
        "spec.serviceAccountName": _path("spec", "serviceAccountName"),
        "spec.hostNetwork": lambda obj: "true" if obj.get("spec", {}).get("hostNetwork") else "false",
        "status.phase": _path("status", "phase"),
        "status.podIP": _path("status", "podIP"),
        "status.nominatedNodeName": _path("status", "nominatedNodeName"),
    },
    ("", "events"): {
        "involvedObject.kind": _path("involvedObject", "kind"),
        "involvedObject.namespace": _path("involvedObject", "namespace"),
        "involvedObject.name": _path("involvedObject", "name"),
        "involvedObject.uid": _path("involvedObject", "uid"),
        "involvedObject.apiVersion": _path("involvedObject", "apiVersion"),
        "involvedObject.resourceVersion": _path("involvedObject", "resourceVersion"),
        "involvedObject.fieldPath": _path("involvedObject", "fieldPath"),
        "reason": _path("reason"),
        "reportingComponent": _path("reportingComponent"),
        "source": _path("source", "component"),
        "type": _path("type"),
    },
    # events.k8s.io Events are stored as core Events, so their field labels read the core fields.
    ("events.k8s.io", "events"): {
        "regarding.kind": _path("involvedObject", "kind"),
        "regarding.name": _path("involvedObject", "name"),
        "regarding.namespace": _path("involvedObject", "namespace"),
        "regarding.uid": _path("involvedObject", "uid"),
        "reason": _path("reason"),
        "reportingController": _path("reportingComponent"),
        "type": _path("type"),
    },
    ("", "secrets"): {"type": _path("type")},
    ("", "nodes"): {"spec.unschedulable": lambda obj: "true" if obj.get("spec", {}).get("unschedulable") else "false"},
    ("", "namespaces"): {"status.phase": _path("status", "phase")},
    ("", "replicationcontrollers"): {"status.replicas": _path("status", "replicas")},
    ("apps", "replicasets"): {"status.replicas": _path("status", "replicas")},
    ("batch", "jobs"): {"status.successful": _path("status", "succeeded")},
    ("", "persistentvolumeclaims"): {},
    ("certificates.k8s.io", "certificatesigningrequests"): {"spec.signerName": _path("spec", "signerName")},
}


@dataclass(frozen=True)
class FieldRequirement:
    read: Callable[[dict[str, Any]], str]
    negated: bool
    value: str

    def matches(self, obj: dict[str, Any]) -> bool:
        return (self.read(obj) == self.value) != self.negated


def parse_field_selector(selector: str, group: str, resource: str) -> list[FieldRequirement]:
    """`status.phase=Running,spec.nodeName!=n1` -> requirements, refusing labels the kind does not index."""
    supported = {**_COMMON_FIELDS, **_FIELDS_BY_RESOURCE.get((group, resource), {})}
    requirements = []
    for term in selector.split(","):
        if not term.strip():
            continue
        found = re.match(r"^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$", term)
        if not found:
            raise SelectorError(f"invalid selector: '{selector}'; can't understand '{term}'")
        key, operator, value = found.groups()
        if key not in supported:
            raise SelectorError(f"field label not supported: {key}")
        requirements.append(FieldRequirement(supported[key], operator == "!=", value))
    return requirements


def fields_match(requirements: list[FieldRequirement], obj: dict[str, Any]) -> bool:
    return all(requirement.matches(obj) for requirement in requirements)
