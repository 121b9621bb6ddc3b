"""CustomResourceDefinitions: creating one serves its group/version/plural (discovery and CRUD);
deleting one removes the type and its objects."""

from __future__ import annotations

from typing import Any

from .crd_schema import causes_of
from .objects import now_timestamp
from .operations import Operations
from .status import invalid_error
from .types import STATUS_VERBS, ResourceType, Subresource

CRD_GROUP = "apiextensions.k8s.io"


def crd_types(crd: dict[str, Any]) -> list[ResourceType]:
    """One `ResourceType` per served version of a CRD."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    types = []
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subresources = []
        if "status" in (version.get("subresources") or {}):
            subresources.append(Subresource("status", names.get("kind", ""), STATUS_VERBS))
        if "scale" in (version.get("subresources") or {}):
            subresources.append(Subresource("scale", "Scale", STATUS_VERBS, group="autoscaling", version="v1"))
        types.append(
            ResourceType(
                group=spec.get("group", ""),
                version=version["name"],
                plural=names.get("plural", ""),
                singular=names.get("singular") or names.get("kind", "").lower(),
                kind=names.get("kind", ""),
                namespaced=spec.get("scope", "Namespaced") == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                subresources=tuple(subresources),
                custom=True,
                storage_version=bool(version.get("storage")),
            )
        )
    return types


class CustomResources:
    """Keeps the type registry in step with the stored CRDs."""

    def __init__(self, operations: Operations) -> None:
        self.operations = operations
        operations.admission.append(self.validate)
        operations.after_write.append(self.sync)
        operations.validators.append(self.validate_custom_resource)
        operations.custom_schema = self.schema_of

    def schema_of(self, resource_type: ResourceType) -> dict[str, Any] | None:
        """The `openAPIV3Schema` of a custom resource's version, or None (not custom, or no schema)."""
        version = self._crd_version(resource_type)
        schema = ((version or {}).get("schema") or {}).get("openAPIV3Schema")
        return schema if isinstance(schema, dict) else None

    def validate_custom_resource(
        self, resource_type: ResourceType, old: dict[str, Any] | None, obj: dict[str, Any]
    ) -> None:
        """Every value that breaks the CRD's schema, in one 422, as the apiextensions validator reports them."""
        schema = self.schema_of(resource_type)
        if schema is None:
            return
        causes = causes_of(schema, obj)
        if causes:
            raise invalid_error(resource_type.kind, obj["metadata"]["name"], resource_type.group, causes)

    def _crd_version(self, resource_type: ResourceType) -> dict[str, Any] | None:
        if not resource_type.custom:
            return None
        crd = self.operations.store.get(
            CRD_GROUP, "customresourcedefinitions", None, f"{resource_type.plural}.{resource_type.group}"
        )
        for version in ((crd or {}).get("spec") or {}).get("versions") or []:
            if version.get("name") == resource_type.version:
                return version
        return None

    def validate(self, resource_type: ResourceType, old: dict[str, Any] | None, crd: dict[str, Any]) -> None:
        if (resource_type.group, resource_type.plural) != (CRD_GROUP, "customresourcedefinitions"):
            return
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        name = crd["metadata"]["name"]
        causes = []
        expected = f"{names.get('plural', '')}.{spec.get('group', '')}"
        if name != expected:
            causes.append(
                {
                    "reason": "FieldValueInvalid",
                    "field": "metadata.name",
                    "message": f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group',
                }
            )
        if not names.get("kind"):
            causes.append({"reason": "FieldValueRequired", "field": "spec.names.kind", "message": "Required value"})
        versions = spec.get("versions") or []
        if not versions:
            causes.append(
                {
                    "reason": "FieldValueRequired",
                    "field": "spec.versions",
                    "message": "Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): "
                    "must have exactly one version marked as storage version",
                }
            )
        elif sum(1 for v in versions if v.get("storage")) != 1:
            causes.append(
                {
                    "reason": "FieldValueInvalid",
                    "field": "spec.versions",
                    "message": "Invalid value: must have exactly one version marked as storage version",
                }
            )
        if causes:
            raise invalid_error("CustomResourceDefinition", name, CRD_GROUP, causes)
        stamp = now_timestamp()
        crd["status"] = {
            "acceptedNames": {key: value for key, value in names.items()},
            "storedVersions": [v["name"] for v in versions if v.get("storage")],
            "conditions": [
                {
                    "type": "NamesAccepted",
                    "status": "True",
                    "lastTransitionTime": stamp,
                    "reason": "NoConflicts",
                    "message": "no conflicts found",
                },
                {
                    "type": "Established",
                    "status": "True",
                    "lastTransitionTime": stamp,
                    "reason": "InitialNamesAccepted",
                    "message": "the initial names have been accepted",
                },
            ],
        }

    def sync(self, resource_type: ResourceType, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        if (resource_type.group, resource_type.plural) != (CRD_GROUP, "customresourcedefinitions"):
            return
        previous = crd_types(old) if old else []
        current = crd_types(new) if new else []
        for gone in previous:
            self.operations.registry.remove(gone.group, gone.version, gone.plural)
        for served in current:
            self.operations.registry.add(served)
        if new is None and previous:
            self.operations.store.drop_resource(previous[0].group, previous[0].plural)

    def printer_columns(self, resource_type: ResourceType) -> list[dict[str, Any]]:
        """The `additionalPrinterColumns` of a custom resource's version (empty for other types)."""
        return list((self._crd_version(resource_type) or {}).get("additionalPrinterColumns") or [])

    def scale_paths(self, resource_type: ResourceType) -> dict[str, str] | None:
        """The `subresources.scale` paths of a custom resource's version, or None."""
        version = self._crd_version(resource_type)
        return None if version is None else (version.get("subresources") or {}).get("scale")
