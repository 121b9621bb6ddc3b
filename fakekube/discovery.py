"""Discovery documents: `/version`, `/api`, `/apis`, group and group-version resource lists, in both the
legacy shape and the aggregated `apidiscovery.k8s.io/v2` shape kubectl asks for first."""

from __future__ import annotations

from typing import Any

from .types import ResourceType, TypeRegistry

SERVER_VERSION = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.4",
    "gitCommit": "59526cd4867447956156ae3a602fcbac10a2c335",
    "gitTreeState": "clean",
    "buildDate": "2025-04-22T15:55:59Z",
    "goVersion": "go1.23.8",
    "compiler": "gc",
    "platform": "linux/amd64",
}
AGGREGATED_V2 = "apidiscovery.k8s.io"


def wants_aggregated(accept: str) -> bool:
    """True when the first acceptable media type is the v2 aggregated discovery list."""
    for media_type in accept.split(","):
        parameters = dict(part.strip().split("=", 1) for part in media_type.split(";")[1:] if "=" in part)
        if (
            parameters.get("g") == AGGREGATED_V2
            and parameters.get("v") == "v2"
            and parameters.get("as") == "APIGroupDiscoveryList"
        ):
            return True
        if media_type.strip().startswith("application/json") and not parameters:
            return False
    return False


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _group_version(group: str, version: str) -> dict[str, str]:
    return {"groupVersion": f"{group}/{version}", "version": version}


def api_group(group: str, versions: list[str]) -> dict[str, Any]:
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": [_group_version(group, version) for version in versions],
        "preferredVersion": _group_version(group, versions[0]),
    }


def api_group_list(registry: TypeRegistry) -> dict[str, Any]:
    groups = [api_group(group, versions) for group, versions in registry.groups().items() if group]
    for group in groups:
        group.pop("kind")
        group.pop("apiVersion")
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def _resource_entry(resource_type: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": resource_type.plural,
        "singularName": resource_type.singular,
        "namespaced": resource_type.namespaced,
        "kind": resource_type.kind,
        "verbs": list(resource_type.verbs),
    }
    if resource_type.short_names:
        entry["shortNames"] = list(resource_type.short_names)
    if resource_type.categories:
        entry["categories"] = list(resource_type.categories)
    return entry


def resource_list(registry: TypeRegistry, group: str, version: str) -> dict[str, Any] | None:
    types = registry.in_group_version(group, version)
    if not types:
        return None
    resources = []
    for resource_type in sorted(types, key=lambda t: t.plural):
        resources.append(_resource_entry(resource_type))
        for sub in resource_type.subresources:
            entry: dict[str, Any] = {
                "name": f"{resource_type.plural}/{sub.name}",
                "singularName": "",
                "namespaced": resource_type.namespaced,
                "kind": sub.kind or resource_type.kind,
                "verbs": list(sub.verbs),
            }
            if sub.group:
                entry["group"], entry["version"] = sub.group, sub.version
            resources.append(entry)
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


def aggregated(registry: TypeRegistry, legacy: bool) -> dict[str, Any]:
    """`APIGroupDiscoveryList` for `/api` (legacy=True) or `/apis`."""
    items = []
    for group, versions in registry.groups().items():
        if bool(group) == legacy:
            continue
        version_entries = []
        for version in versions:
            resources = []
            for resource_type in sorted(registry.in_group_version(group, version), key=lambda t: t.plural):
                entry: dict[str, Any] = {
                    "resource": resource_type.plural,
                    "singularResource": resource_type.singular,
                    "scope": "Namespaced" if resource_type.namespaced else "Cluster",
                    "responseKind": {"group": group, "version": version, "kind": resource_type.kind},
                    "verbs": list(resource_type.verbs),
                }
                if resource_type.short_names:
                    entry["shortNames"] = list(resource_type.short_names)
                if resource_type.categories:
                    entry["categories"] = list(resource_type.categories)
                if resource_type.subresources:
                    entry["subresources"] = [
                        {
                            "subresource": sub.name,
                            "verbs": list(sub.verbs),
                            "responseKind": {
                                "group": sub.group if sub.group else group,
                                "version": sub.version if sub.group else version,
                                "kind": sub.kind or resource_type.kind,
                            },
                        }
                        for sub in resource_type.subresources
                    ]
                resources.append(entry)
            version_entries.append({"version": version, "resources": resources, "freshness": "Current"})
        items.append({"metadata": {"name": group, "creationTimestamp": None}, "versions": version_entries})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": f"{AGGREGATED_V2}/v2", "metadata": {}, "items": items}


AGGREGATED_CONTENT_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
