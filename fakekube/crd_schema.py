"""What the API server does with a custom resource's structural schema (`openAPIV3Schema` of its CRD version):
prune fields the schema does not declare, fill in `default`s, then validate values, reporting every failure as
one 422 in the apiextensions validator's wording."""

from __future__ import annotations

import copy
import re
from typing import Any

PRESERVE = "x-kubernetes-preserve-unknown-fields"
_ROOT_FIELDS = {"apiVersion", "kind", "metadata"}
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def prune_and_default(schema: dict[str, Any], obj: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A copy of `obj` without undeclared fields and with defaults filled in; and the paths of what was pruned."""
    pruned: list[str] = []
    result = copy.deepcopy(obj)
    _walk(schema, result, "", pruned, root=True)
    return result, pruned


def _walk(schema: dict[str, Any], value: Any, path: str, pruned: list[str], root: bool = False) -> None:
    if isinstance(value, dict):
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        if properties is not None:
            for key in list(value):
                if root and key in _ROOT_FIELDS:
                    continue
                if key not in properties and not schema.get(PRESERVE) and not isinstance(additional, dict):
                    pruned.append(f"{path}.{key}" if path else key)
                    del value[key]
            for key, child in properties.items():
                if key not in value and "default" in child:
                    value[key] = copy.deepcopy(child["default"])
                if key in value:
                    _walk(child, value[key], f"{path}.{key}" if path else key, pruned)
        elif isinstance(additional, dict):
            for key, item in value.items():
                _walk(additional, item, f"{path}.{key}" if path else key, pruned)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _walk(schema["items"], item, f"{path}[{index}]", pruned)


_JSON_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}


def _has_type(schema: dict[str, Any], value: Any) -> bool:
    if schema.get("x-kubernetes-int-or-string"):
        return isinstance(value, (int, str)) and not isinstance(value, bool)
    accepted = _JSON_TYPES.get(schema.get("type") or "")
    if accepted is None:
        return True
    if isinstance(value, bool):
        return bool in accepted
    if isinstance(value, float) and value.is_integer() and int in accepted:
        return True
    return isinstance(value, accepted)


def _quoted(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def causes_of(schema: dict[str, Any], obj: dict[str, Any]) -> list[dict[str, str]]:
    """Every value that breaks the schema, as `Status` causes worded like the apiextensions validator."""
    causes: list[dict[str, str]] = []
    for key, child in (schema.get("properties") or {}).items():
        if key in obj and key not in _ROOT_FIELDS:
            _check(child, obj[key], key, causes)
    for key in schema.get("required") or []:
        if key not in obj:
            causes.append({"reason": "FieldValueRequired", "message": "Required value", "field": key})
    return causes


def _check(schema: dict[str, Any], value: Any, path: str, causes: list[dict[str, str]]) -> None:
    def invalid(message: str, reason: str = "FieldValueInvalid") -> None:
        causes.append({"reason": reason, "field": path, "message": message})

    if value is None:
        if not schema.get("nullable"):
            invalid(f'Invalid value: "null": {path} in body must be of type {schema.get("type", "object")}: "null"')
        return
    expected = schema.get("type")
    if not _has_type(schema, value):
        shown = _JSON_NAMES.get(type(value), "object")
        invalid(
            f'Invalid value: "{shown}": {path} in body must be of type {expected}: "{shown}"', "FieldValueTypeInvalid"
        )
        return
    if "enum" in schema and value not in schema["enum"]:
        supported = ", ".join(_quoted(item) for item in schema["enum"])
        invalid(f"Unsupported value: {_quoted(value)}: supported values: {supported}", "FieldValueNotSupported")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            invalid(f"Invalid value: {value}: {path} in body should be greater than or equal to {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            invalid(f"Invalid value: {value}: {path} in body should be less than or equal to {schema['maximum']}")
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            invalid(f"Too long: may not be more than {schema['maxLength']} bytes", "FieldValueTooLong")
        if "minLength" in schema and len(value) < schema["minLength"]:
            invalid(f'Invalid value: "{value}": {path} in body should be at least {schema["minLength"]} chars long')
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            invalid(f"Invalid value: \"{value}\": {path} in body should match '{schema['pattern']}'")
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            invalid(f"Too many: {len(value)}: must have at most {schema['maxItems']} items", "FieldValueTooMany")
        if "minItems" in schema and len(value) < schema["minItems"]:
            invalid(f"Invalid value: {len(value)}: {path} in body should have at least {schema['minItems']} items")
        for index, item in enumerate(value):
            if isinstance(schema.get("items"), dict):
                _check(schema["items"], item, f"{path}[{index}]", causes)
    if isinstance(value, dict):
        for key, child in (schema.get("properties") or {}).items():
            if key in value:
                _check(child, value[key], f"{path}.{key}", causes)
        for key in schema.get("required") or []:
            if key not in value:
                causes.append({"reason": "FieldValueRequired", "message": "Required value", "field": f"{path}.{key}"})
        if isinstance(schema.get("additionalProperties"), dict):
            for key, item in value.items():
                _check(schema["additionalProperties"], item, f"{path}.{key}", causes)
