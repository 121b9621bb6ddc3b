"""Tool registration: each tool is a typed function plus what the policy and clients must know.

A tool function takes a `ToolCall` first (who calls, the policy, a guarded client) and then its
arguments, typed with `Annotated[..., Field(description=...)]`; the JSON schema that clients see
is generated from that signature (k8stools.tools.schemas), made strict, and checked before the function runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mcp_types import ToolAnnotations

from k8stools.config import MUTATING_OPERATIONS

# Upstream's deprecated `kubernetes_<name>` names stay callable for old clients, hidden from the list.
DEPRECATED_ALIAS_PREFIX = "kubernetes_"


@dataclass(frozen=True)
class ToolSpec:
    name: str
    fn: Callable[..., Any]
    operation: str
    title: str
    read_only: bool
    destructive: bool = False
    idempotent: bool = False
    open_world: bool = True
    alias: bool = False
    # Tools that make no sense in in-cluster mode (kubeconfig contexts, local port-forward listeners).
    kubeconfig_only: bool = False
    # The tool takes the per-call `context` argument (which kubeconfig context to use).
    takes_context: bool = True
    schema: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def mutating(self) -> bool:
        return self.operation in MUTATING_OPERATIONS

    @property
    def description(self) -> str:
        return (self.fn.__doc__ or "").strip()

    def annotations(self) -> ToolAnnotations:
        return ToolAnnotations(
            title=self.title,
            read_only_hint=self.read_only,
            destructive_hint=self.destructive,
            idempotent_hint=self.idempotent,
            open_world_hint=self.open_world,
        )


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """No unknown arguments, and no pydantic titles (noise in every `tools/list` a model reads)."""
    strict = {key: value for key, value in schema.items() if key != "title"}
    strict["additionalProperties"] = False
    strict["properties"] = {
        name: {key: value for key, value in prop.items() if key != "title"}
        for name, prop in schema.get("properties", {}).items()
    }
    return strict


CONTEXT_ARGUMENT = "context"
CONTEXT_PROPERTY = {
    "type": "string",
    "description": "Kubeconfig context (cluster) for this call only; default: your current context (context_list).",
}

TOOLS: dict[str, ToolSpec] = {}


def kube_tool(
    name: str,
    *,
    operation: str,
    title: str,
    read_only: bool,
    destructive: bool = False,
    idempotent: bool = False,
    open_world: bool = True,
    alias: bool = False,
    kubeconfig_only: bool = False,
    takes_context: bool = True,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a tool function under `name` (and `kubernetes_<name>` when `alias`)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in TOOLS:
            raise ValueError(f"tool {name!r} is registered twice")
        spec = ToolSpec(
            name=name,
            fn=fn,
            operation=operation,
            title=title,
            read_only=read_only,
            destructive=destructive,
            idempotent=idempotent,
            open_world=open_world,
            alias=alias,
            kubeconfig_only=kubeconfig_only,
            takes_context=takes_context,
        )
        TOOLS[name] = spec
        return fn

    return register
