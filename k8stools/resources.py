"""Resolving what a model calls a resource type (`po`, `Deployment`, `deployments.apps`) to a kind
the API server serves, through discovery: built-in kinds and CRDs alike.

Discovery is cached by the client; a name that is not found triggers one refresh (a CRD created a
moment ago), and a name that is still unknown gets the closest known names as a suggestion.
"""

from __future__ import annotations

import difflib
from typing import Protocol

from k8stools.kube import ResourceType
from k8stools.tools.errors import ToolInputError

# Which group wins when a name exists in several (kubectl's order: the core group first).
_GROUP_PRIORITY = ("", "apps", "batch", "autoscaling", "networking.k8s.io", "policy", "rbac.authorization.k8s.io")


class Discovers(Protocol):
    def resource_types(self, *, refresh: bool = False) -> list[ResourceType]: ...


def parse_api_group(api_group: str | None) -> tuple[str | None, str | None]:
    """`apps` -> (apps, None); `apps/v1` -> (apps, v1); `core`, `v1` or `` -> ("", version)."""
    if api_group is None:
        return None, None
    text = api_group.strip()
    if not text:
        return None, None
    if "/" in text:
        group, version = text.split("/", 1)
    else:
        group, version = text, None
    if group.lower() in ("core", "legacy"):
        group = ""
    if group == "v1" and version is None:  # "v1" alone means the core group
        return "", "v1"
    return group, version


def _names(resource: ResourceType) -> set[str]:
    return {resource.name, resource.singular, resource.kind.lower(), *(name.lower() for name in resource.short_names)}


def _split_qualified(text: str) -> tuple[str, str | None, str | None]:
    """`deployments.apps` -> (deployments, apps, None); `deployment.v1.apps` -> (deployment, apps, v1)."""
    if "." not in text:
        return text, None, None
    name, rest = text.split(".", 1)
    first, _, remainder = rest.partition(".")
    if first.startswith("v") and first[1:2].isdigit() and remainder:
        return name, remainder, first
    return name, rest, None


def resolve(client: Discovers, resource_type: str, api_group: str | None = None) -> ResourceType:
    """The kind `resource_type` names, or a `ToolInputError` that says what exists."""
    text = resource_type.strip().lower()
    if not text:
        raise ToolInputError("resourceType is empty; give a kind such as pods, deployments or configmaps")
    group, version = parse_api_group(api_group)
    name = text
    if group is None:
        # kubectl's qualified forms: `deployments.apps`, `deployment.v1.apps`.
        name, group, version = _split_qualified(text)
    types: list[ResourceType] = []
    for refresh in (False, True):
        types = client.resource_types(refresh=refresh)
        found = _candidates(types, name, group, version)
        if found:
            return _choose(found, resource_type)
    raise ToolInputError(_unknown_message(resource_type, api_group, types))


def _candidates(types: list[ResourceType], name: str, group: str | None, version: str | None) -> list[ResourceType]:
    matches = [
        resource
        for resource in types
        if name in _names(resource)
        and (group is None or resource.group == group)
        and (version is None or resource.version == version)
    ]
    if version is None:
        preferred = [resource for resource in matches if resource.preferred]
        matches = preferred or matches
    return matches


def _choose(found: list[ResourceType], asked: str) -> ResourceType:
    groups = sorted({resource.group for resource in found}, key=_group_rank)
    if len(groups) > 1 and _group_rank(groups[0]) == _group_rank(groups[1]):
        options = ", ".join(f"{r.name}.{r.group}" if r.group else r.name for r in found)
        raise ToolInputError(f"'{asked}' is ambiguous: {options}; pass apiGroup to choose")
    chosen_group = groups[0]
    return next(resource for resource in found if resource.group == chosen_group)


def _group_rank(group: str) -> int:
    return _GROUP_PRIORITY.index(group) if group in _GROUP_PRIORITY else len(_GROUP_PRIORITY)


def _unknown_message(asked: str, api_group: str | None, types: list[ResourceType]) -> str:
    names = sorted({name for resource in types for name in _names(resource)})
    close = difflib.get_close_matches(asked.lower(), names, n=3)
    where = f" in API group '{api_group}'" if api_group else ""
    hint = f"; did you mean {', '.join(repr(name) for name in close)}?" if close else ""
    return f"unknown resource type '{asked}'{where}{hint} (api_resources lists every type this cluster serves)"


def effective_namespace(resource: ResourceType, namespace: str | None, default: str) -> str | None:
    """The namespace a request goes to: None for cluster-scoped kinds, else the given or default one."""
    if not resource.namespaced:
        return None
    return namespace or default
