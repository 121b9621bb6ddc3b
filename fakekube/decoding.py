"""Decoding a request body into a built-in kind the way the API server does: typed, and field-validated.

The real server decodes JSON into Go structs, so a value of the wrong type fails the whole request (400, in
encoding/json's wording) and a field the struct does not have is, by `fieldValidation`, refused (`Strict`),
dropped with a `Warning` header (`Warn`, the default) or dropped silently (`Ignore`). The Go structs are not
available here, but the official Python client's models are generated from the same OpenAPI schema: each model's
`openapi_types` and `attribute_map` give the fields and types of the struct it mirrors.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client as kube_models
from multidict import CIMultiDict

from .crd_schema import prune_and_default
from .status import ApiError
from .types import ResourceType

FIELD_VALIDATION_MODES = ("Ignore", "Strict", "Warn")
# `V1Pod` -> `Pod`, `CoreV1Event` -> `Event`, `V1beta1Foo` -> `Foo`: the Go type name in decoding errors.
_VERSION_PREFIX = re.compile(r"^(?:[A-Z][a-z]+)*V\d+(?:(?:alpha|beta)\d+)?")
_LIST = re.compile(r"^List\[(.+)\]$")
_DICT = re.compile(r"^Dict\[str, (.+)\]$")
# Python model type -> (JSON kinds accepted, Go type named in the error).
_SCALARS: dict[str, tuple[tuple[type, ...], str]] = {
    "str": ((str,), "string"),
    "bytes": ((str,), "[]uint8"),
    "datetime": ((str,), "Time"),
    "date": ((str,), "Time"),
    "int": ((int,), "int64"),
    "float": ((int, float), "float64"),
    "bool": ((bool,), "bool"),
    "quantity": ((str, int, float), "Quantity"),
}
# The client types resource.Quantity fields as strings, but a Quantity also decodes from a JSON number
# (`cpu: 1`): these (Go struct, field) pairs are Quantities, or maps of them.
QUANTITY_FIELDS = {
    ("ResourceRequirements", "limits"),
    ("ResourceRequirements", "requests"),
    ("VolumeResourceRequirements", "limits"),
    ("VolumeResourceRequirements", "requests"),
    ("PodSpec", "overhead"),
    ("Overhead", "podFixed"),
    ("NodeStatus", "capacity"),
    ("NodeStatus", "allocatable"),
    ("ResourceQuotaSpec", "hard"),
    ("ResourceQuotaStatus", "hard"),
    ("ResourceQuotaStatus", "used"),
    ("LimitRangeItem", "max"),
    ("LimitRangeItem", "min"),
    ("LimitRangeItem", "default"),
    ("LimitRangeItem", "defaultRequest"),
    ("LimitRangeItem", "maxLimitRequestRatio"),
    ("EmptyDirVolumeSource", "sizeLimit"),
    ("PersistentVolumeSpec", "capacity"),
    ("PersistentVolumeClaimStatus", "capacity"),
    ("PersistentVolumeClaimStatus", "allocatedResources"),
    ("ContainerStatus", "allocatedResources"),
    ("ResourceFieldSelector", "divisor"),
    ("CSIStorageCapacity", "capacity"),
    ("CSIStorageCapacity", "maximumVolumeSize"),
    ("MetricTarget", "averageValue"),
    ("MetricTarget", "value"),
    ("MetricValueStatus", "averageValue"),
    ("MetricValueStatus", "value"),
}


@dataclass
class Decoded:
    """The body with unknown fields dropped, and the paths of the fields dropped (`spec.foo`, `a[0].b`)."""

    body: dict[str, Any]
    unknown: list[str] = field(default_factory=list)


def field_validation_of(value: str | None) -> str:
    """The `fieldValidation` query parameter, `Warn` when absent (the server's default since 1.27)."""
    if not value:
        return "Warn"
    if value not in FIELD_VALIDATION_MODES:
        raise ApiError(
            400,
            f'fieldValidation: Unsupported value: "{value}": supported values: "Ignore", "Strict", "Warn"',
            "BadRequest",
        )
    return value


@functools.lru_cache(maxsize=512)
def model_of(group: str, version: str, kind: str) -> Any:
    """The client model mirroring `kind` (`V1Deployment`, `CoreV1Event`), or None when the client has none."""
    prefix = (group.split(".")[0] or "core").capitalize()
    for name in (f"{prefix}{version.capitalize()}{kind}", f"{version.capitalize()}{kind}"):
        model = getattr(kube_models, name, None)
        if (
            isinstance(model, type)
            and hasattr(model, "openapi_types")
            and "kind" in vars(model).get("attribute_map", {}).values()
        ):
            return model
    return None


def go_name(model: type) -> str:
    return _VERSION_PREFIX.sub("", model.__name__)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class _Decoder:
    def __init__(self, kind: str, version: str) -> None:
        self.kind = kind
        self.version = version
        self.unknown: list[str] = []

    def type_error(self, value: Any, struct: str, path: str, go_type: str) -> ApiError:
        shown = f"number {value}" if _json_kind(value) == "number" and isinstance(value, float) else _json_kind(value)
        return ApiError(
            400,
            f'{self.kind} in version "{self.version}" cannot be handled as a {self.kind}: json: cannot unmarshal {shown} '
            f"into Go struct field {struct}.{path} of type {go_type}",
            "BadRequest",
        )

    def value(self, value: Any, type_name: str, struct: str, go_path: str, path: str) -> Any:
        if value is None or type_name == "object":
            return value  # null is the zero value; `object` is IntOrString, Quantity or raw JSON
        if type_name in _SCALARS:
            accepted, go_type = _SCALARS[type_name]
            if isinstance(value, bool) and bool not in accepted:
                raise self.type_error(value, struct, go_path, go_type)
            if not isinstance(value, accepted):
                raise self.type_error(value, struct, go_path, go_type)
            if type_name == "int" and isinstance(value, float) and not value.is_integer():
                raise self.type_error(value, struct, go_path, go_type)
            return value
        if matched := _LIST.match(type_name):
            if not isinstance(value, list):
                raise self.type_error(value, struct, go_path, f"[]{self._go_type(matched.group(1))}")
            return [
                self.value(item, matched.group(1), struct, go_path, f"{path}[{index}]")
                for index, item in enumerate(value)
            ]
        if matched := _DICT.match(type_name):
            if not isinstance(value, dict):
                raise self.type_error(value, struct, go_path, f"map[string]{self._go_type(matched.group(1))}")
            return {
                key: self.value(item, matched.group(1), struct, go_path, f"{path}.{key}") for key, item in value.items()
            }
        model = getattr(kube_models, type_name, None)
        if model is None or not hasattr(model, "openapi_types"):
            return value
        if not isinstance(value, dict):
            raise self.type_error(value, struct, go_path, go_name(model))
        return self.struct(value, model, go_path, path)

    def struct(self, value: dict[str, Any], model: Any, go_path: str, path: str) -> dict[str, Any]:
        fields = {json_name: attribute for attribute, json_name in model.attribute_map.items()}
        decoded = {}
        for key, item in value.items():
            attribute = fields.get(key)
            child = f"{path}.{key}" if path else key
            if attribute is None:
                self.unknown.append(child)
                continue
            child_go = f"{go_path}.{key}" if go_path else key
            type_name = model.openapi_types[attribute]
            if (go_name(model), key) in QUANTITY_FIELDS:
                type_name = type_name.replace("str]", "quantity]") if type_name.startswith("Dict") else "quantity"
            decoded[key] = self.value(item, type_name, go_name(model), child_go, child)
        return decoded

    @staticmethod
    def _go_type(type_name: str) -> str:
        if type_name in _SCALARS:
            return _SCALARS[type_name][1]
        model = getattr(kube_models, type_name, None)
        return go_name(model) if isinstance(model, type) else "interface {}"


def decode(resource_type: ResourceType, body: dict[str, Any], schema: dict[str, Any] | None = None) -> Decoded:
    """Type-check `body` against its kind; raise the real 400 on a type error; report unknown fields.

    A custom resource is pruned and defaulted by its CRD's structural `schema` instead (its values are validated
    later, as a 422); kinds with neither a client model nor a schema pass through unchanged.
    """
    if resource_type.custom and schema is not None:
        return Decoded(*prune_and_default(schema, body))
    model = None if resource_type.custom else model_of(resource_type.group, resource_type.version, resource_type.kind)
    if model is None:
        return Decoded(body)
    decoder = _Decoder(resource_type.kind, resource_type.version)
    decoded = decoder.struct(body, model, "", "")
    return Decoded(decoded, decoder.unknown)


def check_fields(
    resource_type: ResourceType,
    body: dict[str, Any],
    mode: str,
    warnings: list[str],
    schema: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Decode `body` under a `fieldValidation` mode: the body to store, or the real 400 in `Strict` mode."""
    decoded = decode(resource_type, body, schema)
    if not decoded.unknown:
        return decoded.body
    if mode == "Strict":
        listed = ", ".join(f'unknown field "{path}"' for path in decoded.unknown)
        raise ApiError(
            400,
            f'{resource_type.kind} in version "{resource_type.version}" cannot be handled as a '
            f"{resource_type.kind}: strict decoding error: {listed}",
            "BadRequest",
        )
    if mode == "Warn":
        warnings.extend(f'unknown field "{path}"' for path in decoded.unknown)
    return decoded.body


def warning_headers(warnings: list[str]) -> CIMultiDict[str]:
    """One `Warning: 299 - "..."` header per dropped field, as the server sends them."""
    return CIMultiDict(("Warning", '299 - "' + text.replace('"', '\\"') + '"') for text in warnings)
