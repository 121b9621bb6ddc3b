"""Hostile argument values, and tool arguments built from a tool's input schema with hostile values in them.

A hostile value is built around a plausible one (an existing name, the open namespace) so that it gets
past the checks a plain junk string fails: `catalog/../payments`, `api?dryRun=`, `api#`,
`../../payments/secrets/db-credentials?`, the same with percent-encoding, control characters or
unicode look-alikes of `.` and `/`, and very long values. Each example makes one or two string
arguments hostile and fills the others with plausible values, so the hostile value reaches the code
that builds a request.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from fakekube import FakeCluster
from tests.guardrails.cluster import NODE, OPEN_NAMESPACE, RELEASE, RESTRICTED

SECRET_NAMES = ("db-credentials", "planted-credentials")
# Booleans worth turning on; `follow`, `wait` and `tty` only make a call wait for its timeout.
SAFE_FLAGS = frozenset(
    {
        "allNamespaces",
        "all",
        "pods",
        "previous",
        "timestamps",
        "summary",
        "includeLabels",
        "allValues",
        "containers",
        "confirm",
    }
)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def hostile_values(plausible: str) -> list[str]:
    """The attack shapes of the report, around `plausible`, aimed at each restricted namespace."""
    values = []
    for target in sorted(RESTRICTED):
        for secret in SECRET_NAMES:
            values += [f"../../{target}/secrets/{secret}?", f"../../../../api/v1/namespaces/{target}/secrets/{secret}#"]
        values += [
            target,
            f"{plausible}/../{target}",
            f"{OPEN_NAMESPACE}/../{target}",
            f"{plausible}/../../{target}/pods",
            f"../{target}",
            f"{plausible}%2F..%2F..%2F{target}",
            f"%2e%2e/%2e%2e/{target}/secrets/{SECRET_NAMES[0]}",
            f"{plausible}\x00/../../{target}",
            f"\u2024\u2024/{target}",
            f"{plausible}\uff0f..\uff0f{target}",
            f"{plausible}\u2215..\u2215{target}",
            fullwidth(target),
            target.upper(),
            f" {target}",
        ]
    values += [
        f"{plausible}?dryRun=",
        f"{plausible}?dryRun=None&x=",
        f"{plausible}#",
        f"{plausible}#fragment",
        f"{plausible}?",
        f"{plausible}/",
        f"{plausible}/scale",
        f"{plausible}\x00",
        f"{plausible}\n",
        f"{plausible}\r\nX-Injected: 1",
        "..",
        ".",
        "/",
        "%2F",
        "%2e%2e",
        plausible + "a" * 300,
        "x" * 5000,
        "",
    ]
    return values


def hostile(plausible: str) -> st.SearchStrategy[str]:
    shapes = st.sampled_from(hostile_values(plausible))
    return st.one_of(
        shapes,
        shapes,
        shapes,
        shapes,
        st.builds(lambda first, second: first + second, shapes, shapes),
        st.text(max_size=30),
    )


@dataclass
class Plausible:
    """Values that reach the cluster: names of real objects in the open namespace, real nodes and contexts."""

    by_argument: dict[str, list[Any]] = field(default_factory=dict)

    @classmethod
    def from_cluster(cls, fake: FakeCluster) -> Plausible:
        pods = [pod["metadata"]["name"] for pod in fake.list_objects("pods", OPEN_NAMESPACE)]
        deployments = [item["metadata"]["name"] for item in fake.list_objects("deployments", OPEN_NAMESPACE, "apps")]
        pod = fake.list_objects("pods", OPEN_NAMESPACE)[0]
        containers = [container["name"] for container in pod["spec"]["containers"]]
        names = deployments + pods + list(SECRET_NAMES)
        return cls(
            {
                "namespace": [OPEN_NAMESPACE, OPEN_NAMESPACE, OPEN_NAMESPACE, "checkout"],
                "name": names,
                "podName": pods,
                "resourceName": pods + deployments,
                "containerName": containers,
                "resourceType": ["deployments", "pods", "deploy", "secrets", "configmaps", "po"],
                "kind": ["Pod", "Deployment", "pods", "Secret"],
                "resource": ["pods", "secrets", "deployments"],
                "verb": ["get", "list", "delete", "patch"],
                "apiGroup": ["", "apps"],
                "subresource": ["log", "scale"],
                "labelSelector": ["app=api", "tier=backend"],
                "fieldSelector": ["status.phase=Running", "metadata.name=api"],
                "release": [RELEASE],
                "nodeName": [NODE],
                "file": ["kubelet.log", "syslog", "containers", ""],
                "context": ["fake", "other"],
                "contextName": ["fake", "other"],
                "image": ["nginx:1.27"],
                "command": [["ls"], ["cat", "/etc/hostname"]],
                "ports": [["8080"], [":8080"]],
                "patch": ['{"metadata":{"labels":{"probe":"1"}}}', {"metadata": {"labels": {"probe": "1"}}}],
                "manifest": [config_map_manifest("probe", OPEN_NAMESPACE)],
                "sessionId": [str(uuid.UUID(int=7))],
                "sessionID": [str(uuid.UUID(int=7))],
                "chart": ["bitnami/nginx"],
                "version": ["1.0.0"],
                "schedule": ["*/5 * * * *"],
                "sinceTime": ["2026-12-01T00:00:00Z"],
                "continue": ["eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"],
                "stdin": ["hello"],
                "reason": ["Started"],
                "verbs": ["get"],
                "data": [{"key": "value"}],
            }
        )

    def values(self, argument: str) -> list[Any]:
        return self.by_argument.get(argument, ["x"])


def _types(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return list(schema.get("anyOf", [schema]))


def enum_of(schema: dict[str, Any]) -> list[str] | None:
    for option in _types(schema):
        if "enum" in option:
            return list(option["enum"])
    return None


def carries_strings(schema: dict[str, Any]) -> bool:
    """A free-text string argument, or an array or map of strings."""
    for option in _types(schema):
        if "enum" in option:
            continue
        if option.get("type") == "string":
            return True
        if option.get("type") == "array" and (option.get("items") or {}).get("type") == "string":
            return True
        if option.get("type") == "object" and (option.get("additionalProperties") or {}) == {"type": "string"}:
            return True
    return False


def config_map_manifest(name: str, namespace: str) -> str:
    """A ConfigMap as YAML, names quoted so that any string survives as itself."""
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {json.dumps(name)}\n  namespace: {json.dumps(namespace)}\n"
        "data:\n  a: b\n"
    )


def hostile_manifest() -> st.SearchStrategy[str]:
    """A manifest whose name or namespace (or both) is hostile: the path a write takes is built from them."""
    return st.one_of(
        st.builds(config_map_manifest, hostile("probe"), st.just(OPEN_NAMESPACE)),
        st.builds(config_map_manifest, st.just("probe"), hostile(OPEN_NAMESPACE)),
        st.builds(config_map_manifest, hostile("probe"), hostile(OPEN_NAMESPACE)),
    )


def hostile_argument(name: str, schema: dict[str, Any], plausible: list[Any]) -> st.SearchStrategy[Any]:
    """A hostile value in the argument's own shape (a string, in a list, as a map value, inside a manifest)."""
    if name == "manifest":
        return st.one_of(hostile_manifest(), hostile("probe"))
    base = next((value for value in plausible if isinstance(value, str) and value), "x")
    types = {option.get("type") for option in _types(schema)}
    value = hostile(base)
    if "string" in types:
        return value
    if "array" in types:
        return st.lists(value, min_size=1, max_size=2)
    return st.dictionaries(st.sampled_from(["key", "password"]), value, min_size=1, max_size=1)


def scalar_for(name: str, schema: dict[str, Any], *, required: bool) -> st.SearchStrategy[Any] | None:
    """A valid value for a non-string argument, or None to leave it out (optional numbers only narrow a call)."""
    for option in _types(schema):
        if option.get("type") == "integer" and required:
            low = option.get("minimum", 0)
            return st.integers(min_value=low, max_value=max(low, min(option.get("maximum", 3), 3)))
        if option.get("type") == "boolean" and name in SAFE_FLAGS:
            return st.booleans()
    return None


@st.composite
def tool_arguments(draw: st.DrawFn, schema: dict[str, Any], plausible: Plausible) -> dict[str, Any]:
    """Arguments for one call: usually one free-text argument hostile (sometimes two, sometimes none, for the
    data a plain call returns), the required rest plausible, a few optional ones plausible too."""
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    targets = [name for name, option in properties.items() if carries_strings(option)]
    count = min(len(targets), draw(st.sampled_from([1, 1, 1, 1, 1, 2, 2, 0])))
    hostile_names = draw(st.sets(st.sampled_from(targets), min_size=count, max_size=count)) if count else set()
    sometimes = st.sampled_from([False, False, True])
    arguments: dict[str, Any] = {}
    for name, option in properties.items():
        if name in hostile_names:
            arguments[name] = draw(hostile_argument(name, option, plausible.values(name)), label=name)
            continue
        enum = enum_of(option)
        if enum is not None:
            if name in required or draw(sometimes):
                arguments[name] = draw(st.sampled_from(enum))
        elif carries_strings(option):
            # The namespace is almost always given, so that plausible names are looked for where they exist.
            if name in required or name == "namespace" or draw(sometimes):
                arguments[name] = draw(st.sampled_from(plausible.values(name)))
        else:
            strategy = scalar_for(name, option, required=name in required)
            if strategy is not None and (name in required or draw(sometimes)):
                arguments[name] = draw(strategy)
    return arguments


NAME_ARGUMENTS = frozenset({"name", "podName", "resourceName", "release", "nodeName"})


def explicit_examples(schema: dict[str, Any], plausible: Plausible) -> list[dict[str, Any]]:
    """The report's own attacks, always tried first: a plain call (what it returns must already be filtered),
    then each free-text argument in turn set to the walk into `payments` (`catalog/../payments` for a
    namespace), and each name cut short with `?dryRun=` and `#`."""
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    plain: dict[str, Any] = {}
    for name, option in properties.items():
        enum = enum_of(option)
        if name in required and enum is not None:
            plain[name] = enum[0]
        elif carries_strings(option) and (name in required or name == "namespace"):
            plain[name] = plausible.values(name)[0]
        elif name in required:
            strategy_value = _minimum(option)
            if strategy_value is not None:
                plain[name] = strategy_value
    examples = [plain]
    for name, option in properties.items():
        if not carries_strings(option) or name == "context":
            continue
        first = next((value for value in plausible.values(name) if isinstance(value, str) and value), "x")
        attacks = ["catalog/../payments"] if name == "namespace" else ["../../payments/secrets/db-credentials?"]
        if name == "manifest":
            attacks = [
                config_map_manifest("probe", "catalog/../payments"),
                config_map_manifest("probe?dryRun=", "catalog"),
            ]
        if name in NAME_ARGUMENTS:
            attacks += [f"{first}?dryRun=", f"{first}#"]
        for attack in attacks:
            shaped: Any = attack
            if {option.get("type") for option in _types(option)} & {"array"} and "string" not in {
                option.get("type") for option in _types(option)
            }:
                shaped = [attack]
            examples.append({**plain, name: shaped})
    return examples


def _minimum(schema: dict[str, Any]) -> Any:
    for option in _types(schema):
        if option.get("type") == "integer":
            return max(1, option.get("minimum", 1))
        if option.get("type") == "boolean":
            return False
    return None
