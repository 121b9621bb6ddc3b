"""Hypothesis settings and strategies shared by the fuzz suites: JSON values, JSON-RPC messages and their mutations."""

from __future__ import annotations

import json
import os
from typing import Any

import httpx2
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.transport.raw import MCP_HEADERS

FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "30")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text a parser or a formatter could trip on: control characters, null bytes, astral and combining characters.
awkward_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x00", "a\x00b", "\u202e", "e\u0301", "\U0001f600", "\ud7ff", "../../etc", "-1", "", " "]),
    st.integers(min_value=1, max_value=200_000).map(lambda size: "x" * size),
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    awkward_text,
)

json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(awkward_text, children, max_size=5)),
    max_leaves=20,
)

VALID_MESSAGES: list[dict[str, Any]] = [
    {"jsonrpc": "2.0", "id": 1, "method": "ping"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
    {
        "jsonrpc": "2.0",
        "id": 3,
        "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "1"}},
    },
    {
        "jsonrpc": "2.0",
        "id": 4,
        "method": "tools/call",
        "params": {"name": "list", "arguments": {"resourceType": "pods"}},
    },
    {"jsonrpc": "2.0", "id": 5, "method": "resources/list", "params": {"cursor": "abc"}},
    {"jsonrpc": "2.0", "id": 6, "method": "prompts/get", "params": {"name": "x", "arguments": {}}},
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside nested dicts and lists, the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@st.composite
def mutated_messages(draw: st.DrawFn) -> Any:
    """A valid JSON-RPC message with one to three changes: a value replaced, a key deleted, a key added."""
    message: Any = json.loads(json.dumps(draw(st.sampled_from(VALID_MESSAGES))))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(_paths(message)))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if not path:
            message = draw(json_values) if action == "replace" else message
            continue
        parent = message
        for step in path[:-1]:
            parent = parent[step]
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(awkward_text)] = draw(json_values)
    return message


def deep_nesting(depth: int, opener: str) -> bytes:
    """A ping whose params hold `depth` nested arrays or objects."""
    inner = "[" * depth + "1" + "]" * depth if opener == "[" else '{"a":' * depth + "1" + "}" * depth
    return b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"p":' + inner.encode() + b"}}"


raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda depth, opener: deep_nesting(depth, opener), st.integers(1, 30_000), st.sampled_from("[{")),
    json_values.map(lambda value: json.dumps(value).encode()),
    mutated_messages().map(lambda value: json.dumps(value).encode()),
    mutated_messages().map(lambda value: json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")),
)


def post(client: httpx2.Client, url: str, body: bytes) -> httpx2.Response:
    return client.post(url, content=body, headers=MCP_HEADERS)


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that a JSON schema (as the tools publish them) accepts, with junk mixed in now and then."""
    junk = json_values
    if "enum" in schema:
        valid: st.SearchStrategy[Any] = st.sampled_from(schema["enum"])
    elif "anyOf" in schema:
        valid = st.one_of([from_schema(option) for option in schema["anyOf"]])
    else:
        kind = schema.get("type")
        if kind == "string":
            valid = st.one_of(awkward_text, st.sampled_from(["pods", "default", "po", "deployments", "nodes", "x"]))
        elif kind == "integer":
            valid = st.integers(min_value=schema.get("minimum", -(2**40)), max_value=2**40)
        elif kind == "number":
            valid = st.floats(allow_nan=False, allow_infinity=False)
        elif kind == "boolean":
            valid = st.booleans()
        elif kind == "null":
            valid = st.none()
        elif kind == "array":
            valid = st.lists(from_schema(schema.get("items", {})), max_size=4)
        elif kind == "object":
            valid = arguments_for(schema)
        else:
            valid = junk
    return st.one_of(valid, valid, valid, junk)


def arguments_for(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An arguments object: the required properties and some optional ones from the schema, sometimes junk keys."""
    properties: dict[str, Any] = schema.get("properties", {})
    required = [name for name in schema.get("required", []) if name in properties]
    optional = [name for name in properties if name not in required]
    return st.builds(
        lambda fixed, extra, junk: {**fixed, **extra, **junk},
        st.fixed_dictionaries({name: from_schema(properties[name]) for name in required}),
        st.fixed_dictionaries({}, optional={name: from_schema(properties[name]) for name in optional}),
        st.one_of(st.just({}), st.just({}), st.dictionaries(awkward_text, json_values, max_size=2)),
    )
