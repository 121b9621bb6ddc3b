"""Kubeconfig contexts: list them, show the caller's current one, switch the caller's own."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from k8stools.models import UserKubeContext
from k8stools.tools.call import ToolCall
from k8stools.tools.errors import ToolInputError
from k8stools.tools.registry import kube_tool


def _current_name(call: ToolCall) -> str:
    return call.context_name or call.server.client_factory.default_context_name()


@kube_tool(
    "context_list",
    operation="context",
    title="List contexts",
    read_only=True,
    idempotent=True,
    alias=True,
    kubeconfig_only=True,
    takes_context=False,
)
def context_list(call: ToolCall) -> str:
    """List the kubeconfig contexts (clusters) this server can use; `*` marks your current one."""
    current = _current_name(call)
    rows = [("CURRENT", "NAME", "CLUSTER", "USER", "NAMESPACE")]
    for context in call.server.client_factory.contexts():
        rows.append(
            ("*" if context.name == current else "", context.name, context.cluster, context.user, context.namespace)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)


@kube_tool(
    "context_get_current",
    operation="context",
    title="Current context",
    read_only=True,
    idempotent=True,
    alias=True,
    kubeconfig_only=True,
    takes_context=False,
)
def context_get_current(call: ToolCall) -> str:
    """Show the kubeconfig context your calls use by default (yours only; other users have their own)."""
    current = _current_name(call)
    for context in call.server.client_factory.contexts():
        if context.name == current:
            namespace = context.namespace or call.config.default_namespace
            return f"{context.name} (cluster {context.cluster}, user {context.user}, namespace {namespace})"
    return current


@kube_tool(
    "context_use",
    operation="context",
    title="Switch context",
    read_only=False,
    idempotent=True,
    open_world=False,
    alias=True,
    kubeconfig_only=True,
    takes_context=False,
)
def context_use(
    call: ToolCall,
    contextName: Annotated[
        str, Field(description="Name of the kubeconfig context to use from now on (see context_list).")
    ],
) -> str:
    """Switch your default kubeconfig context. Only your own calls change; other users keep theirs."""
    known = [context.name for context in call.server.client_factory.contexts()]
    if contextName not in known:
        raise ToolInputError(f"unknown context '{contextName}'; known contexts: {', '.join(known)}")
    UserKubeContext.objects.update_or_create(user_key=call.caller.key, defaults={"context_name": contextName})
    return f"Switched to context: {contextName} (for your calls only)"
