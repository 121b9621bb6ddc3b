"""OpenAPI v3 component schemas for the built-in kinds, generated from the official client's models.

The client's models are generated from the API server's own OpenAPI document: each one's `attribute_map` (field
-> JSON name), `openapi_types` (field -> type), pydantic fields (the field's description, and whether it is
required) and class docstring (the type's description) carry what the real document says of that type. From them
this module builds the schemas of a group-version's document: each kind, and every type it references, under the
real document's names (`io.k8s.api.core.v1.PodSpec`, `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`), a
nested type referenced with `allOf: [{$ref}]` beside the field's description, as the real documents do.

What the models do not carry, and so the documents lack: the description of a field whose type is another
struct (the generator dropped it; kubectl shows the referenced type's description instead), integer formats,
and enums (kept for the few fields listed in `ENUMS`). Building the schemas imports the models they name, so
it is done on demand, once per group-version (`kind_schemas` is cached).
"""

from __future__ import annotations

import functools
import inspect
import re
import types
import typing
from typing import Any

from kubernetes import client as kube_models

from .decoding import QUANTITY_FIELDS, go_name, model_of

REF_PREFIX = "#/components/schemas/"
META = "io.k8s.apimachinery.pkg.apis.meta.v1"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
TIME = f"{META}.Time"
MICRO_TIME = f"{META}.MicroTime"
# Where a group's types live in the real documents' names (the rest are `io.k8s.api.<first label>`).
_PACKAGES = {
    "": "io.k8s.api.core",
    "apiextensions.k8s.io": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
    "apiregistration.k8s.io": "io.k8s.kube-aggregator.pkg.apis.apiregistration",
}
# Client models named with their group because another group has a type of the same name (`CoreV1Event`).
_PREFIXED = re.compile(r"^(?P<group>[A-Z][a-z]+)(?P<version>V\d+(?:(?:alpha|beta)\d+)?)(?P<name>[A-Z]\w*)$")
_VERSIONED = re.compile(r"^(?P<version>V\d+(?:(?:alpha|beta)\d+)?)(?P<name>[A-Z]\w*)$")
_PREFIX_GROUPS = {"core": "", "apiextensions": "apiextensions.k8s.io", "apiregistration": "apiregistration.k8s.io"}
# Types of k8s.io/apimachinery's meta/v1 that built-in kinds embed.
_META_TYPES = {
    "ObjectMeta",
    "ListMeta",
    "LabelSelector",
    "LabelSelectorRequirement",
    "ManagedFieldsEntry",
    "OwnerReference",
    "Condition",
    "FieldSelectorRequirement",
    "Status",
    "StatusDetails",
    "StatusCause",
}
# Timestamps the real documents type as MicroTime rather than Time.
_MICRO_TIME_FIELDS = {("Event", "eventTime"), ("LeaseSpec", "acquireTime"), ("LeaseSpec", "renewTime")}
# The client's models carry no enums; the real documents list these (with many more).
ENUMS: dict[tuple[str, str], list[str]] = {
    ("DeploymentStrategy", "type"): ["Recreate", "RollingUpdate"],
    ("PodSpec", "restartPolicy"): ["Always", "Never", "OnFailure"],
    ("ContainerPort", "protocol"): ["SCTP", "TCP", "UDP"],
    ("ServicePort", "protocol"): ["SCTP", "TCP", "UDP"],
    ("PodStatus", "phase"): ["Failed", "Pending", "Running", "Succeeded", "Unknown"],
    ("ServiceSpec", "type"): ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
    ("Container", "imagePullPolicy"): ["Always", "IfNotPresent", "Never"],
}
# The apimachinery types that are scalars on the wire, shaped as in the real v3 documents (where IntOrString and
# Quantity are a `oneOf`, so kubectl names them by their type name rather than as <string>).
SCALAR_SCHEMAS: dict[str, dict[str, Any]] = {
    INT_OR_STRING: {
        "format": "int-or-string",
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "description": "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML "
        "marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for "
        "example, a JSON field that can accept a name or number.",
    },
    QUANTITY: {
        "oneOf": [{"type": "string"}, {"type": "number"}],
        "description": "Quantity is a fixed-point representation of a number. It provides convenient "
        "marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.",
    },
    TIME: {
        "type": "string",
        "format": "date-time",
        "description": "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  "
        "Wrappers are provided for many of the factory methods that the time package offers.",
    },
    MICRO_TIME: {
        "type": "string",
        "format": "date-time",
        "description": "MicroTime is version of Time with microsecond level precision.",
    },
}
# The generator dropped the description of fields whose type is a struct; this one reads the same in every kind.
_OBJECT_METADATA = (
    "Standard object's metadata. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
_LIST = re.compile(r"^List\[(.+)\]$")
_DICT = re.compile(r"^Dict\[str, (.+)\]$")
_PRIMITIVES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "float": {"type": "number", "format": "double"},
    "bytes": {"type": "string", "format": "byte"},
}


def package(group: str) -> str:
    return _PACKAGES.get(group) or f"io.k8s.api.{group.split('.')[0]}"


def ref(name: str) -> dict[str, Any]:
    return {"$ref": REF_PREFIX + name}


def type_description(model: type) -> str:
    """The class docstring up to the generator's `Attributes:` note: the type's description."""
    text = inspect.cleandoc(model.__doc__ or "")
    return text.split("\n\nAttributes:", 1)[0].strip()


def _fields(model: Any) -> list[tuple[str, str, Any]]:
    """(JSON name, client type, pydantic field) of each field, in the model's order."""
    by_attribute: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        # A field named by a Python keyword is `var_exec`, aliased `_exec` (its `attribute_map` key) and `exec`.
        for key in (name, info.alias, info.serialization_alias):
            if key:
                by_attribute.setdefault(key, info)
    return [
        (json_name, model.openapi_types[attribute], by_attribute[attribute])
        for attribute, json_name in model.attribute_map.items()
        if attribute in by_attribute
    ]


def _base_types(annotation: Any) -> set[Any]:
    """The plain types a field's annotation allows (`Optional[StrictInt | StrictStr]` -> {int, str, NoneType})."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _base_types(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return set().union(*(_base_types(arg) for arg in typing.get_args(annotation)))
    return {annotation}


class _Builder:
    """Collects the schemas of one group-version's kinds and of every type they reference."""

    def __init__(self, group: str, version: str, core_models: frozenset[type]) -> None:
        self.group = group
        self.version = version
        self.core_models = core_models
        self.schemas: dict[str, dict[str, Any]] = {}

    def name(self, model: type) -> str:
        """The real document's name of a model's type: its group's package, its version, its Go name."""
        class_name = model.__name__
        if matched := _PREFIXED.match(class_name):
            prefix = matched["group"].lower()
            group = _PREFIX_GROUPS.get(prefix, f"{prefix}.k8s.io")
            return f"{package(group)}.{matched['version'].lower()}.{matched['name']}"
        matched = _VERSIONED.match(class_name)
        version, short = (matched["version"].lower(), matched["name"]) if matched else (self.version, class_name)
        if short in _META_TYPES and version == "v1":
            return f"{META}.{short}"
        group = "" if model in self.core_models else self.group
        return f"{package(group)}.{version}.{short}"

    def add(self, model: Any) -> str:
        name = self.name(model)
        if name in self.schemas:
            return name
        schema: dict[str, Any] = {"type": "object", "description": type_description(model)}
        self.schemas[name] = schema  # before the fields: types that reference themselves (JSONSchemaProps)
        struct = go_name(model)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for json_name, type_name, info in _fields(model):
            prop = self.property(type_name, struct, json_name, info)
            if info.description:
                prop["description"] = info.description
            elif json_name == "metadata" and type_name == "V1ObjectMeta":
                prop["description"] = _OBJECT_METADATA
            if enum := ENUMS.get((struct, json_name)):
                prop["enum"] = enum
            properties[json_name] = prop
            if info.is_required():
                required.append(json_name)
        schema["properties"] = properties
        if required:
            schema["required"] = required
        return name

    def property(self, type_name: str, struct: str, json_name: str, info: Any) -> dict[str, Any]:
        if (struct, json_name) in QUANTITY_FIELDS:
            type_name = type_name.replace("str]", "Quantity]") if type_name.startswith("Dict") else "Quantity"
        if type_name == "datetime" and (struct, json_name) in _MICRO_TIME_FIELDS:
            type_name = "MicroTime"
        if type_name == "object" and {int, str} <= _base_types(info.annotation):
            type_name = "IntOrString"
        found = self.value(type_name)
        return {"allOf": [found]} if "$ref" in found else found

    def value(self, type_name: str) -> dict[str, Any]:
        """The schema of a value of a client type; a struct is a `$ref` to its component schema."""
        special = {"IntOrString": INT_OR_STRING, "Quantity": QUANTITY, "datetime": TIME, "date": TIME}
        special["MicroTime"] = MICRO_TIME
        if type_name in special:
            self.schemas.setdefault(special[type_name], SCALAR_SCHEMAS[special[type_name]])
            return ref(special[type_name])
        if type_name in _PRIMITIVES:
            return dict(_PRIMITIVES[type_name])
        if matched := _LIST.match(type_name):
            return {"type": "array", "items": self.item(matched[1])}
        if matched := _DICT.match(type_name):
            return {"type": "object", "additionalProperties": self.item(matched[1])}
        model = getattr(kube_models, type_name, None)
        if isinstance(model, type) and hasattr(model, "openapi_types"):
            return ref(self.add(model))
        return {"type": "object"}  # RawExtension, JSON and other free-form values

    def item(self, type_name: str) -> dict[str, Any]:
        found = self.value(type_name)
        if "$ref" in found:
            return {"allOf": [found], "default": {}}
        zero = {"string": "", "integer": 0, "boolean": False}.get(found.get("type", ""))
        return found if zero is None else {**found, "default": zero}


def _referenced(model: Any, seen: set[type]) -> None:
    if model in seen:
        return
    seen.add(model)
    for _, type_name, _ in _fields(model):
        inner = _LIST.match(type_name) or _DICT.match(type_name)
        target = getattr(kube_models, inner[1] if inner else type_name, None)
        if isinstance(target, type) and hasattr(target, "openapi_types"):
            _referenced(target, seen)


@functools.lru_cache(maxsize=4)
def core_models(core_kinds: tuple[str, ...]) -> frozenset[type]:
    """Every model the core/v1 kinds reach: the types other groups' documents name `io.k8s.api.core.v1.*`."""
    seen: set[type] = set()
    for kind in core_kinds:
        if model := model_of("", "v1", kind):
            _referenced(model, seen)
    return frozenset(seen)


@functools.lru_cache(maxsize=64)
def kind_schemas(group: str, version: str, kinds: tuple[str, ...], core_kinds: tuple[str, ...]) -> dict[str, Any]:
    """The component schemas of a group-version's `kinds` and of the types they reference, keyed by name; a kind
    the client has no model for is left out. The result is shared: copy before changing it."""
    builder = _Builder(group, version, core_models(core_kinds) if group else frozenset())
    for kind in kinds:
        if model := model_of(group, version, kind):
            name = builder.add(model)
            builder.schemas[name]["x-kubernetes-group-version-kind"] = [
                {"group": group, "kind": kind, "version": version}
            ]
    return builder.schemas
