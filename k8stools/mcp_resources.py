"""MCP resources: any object as `k8s://{context}/{namespace}/{kind}/{name}`, read through the `get` tool.

Reading a resource is a `get` call in every respect that matters: the caller's identity, the policy
(restricted namespaces), the guard, masking and pruning, and an audit record. `_cluster` stands for
the namespace of cluster-scoped kinds and `_current` for the caller's default context.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError

from k8stools.identity import LOCAL, caller_from_scope
from k8stools.names import InvalidName, check_namespace
from k8stools.tools.registry import TOOLS

if TYPE_CHECKING:
    from k8stools.server import KubeMCPServer

OBJECT_TEMPLATE = "k8s://{context}/{namespace}/{kind}/{name}"
CLUSTER_SCOPE = "_cluster"
CURRENT_CONTEXT = "_current"


def get_arguments(context: str, namespace: str, kind: str, name: str, *, contexts: bool) -> dict[str, Any]:
    """The `get` tool's arguments for one resource URI's parts (hostile: checked here and again by `get`)."""
    if namespace != CLUSTER_SCOPE:
        check_namespace(namespace)
    arguments: dict[str, Any] = {"resourceType": kind, "name": name}
    if namespace != CLUSTER_SCOPE:
        arguments["namespace"] = namespace
    if contexts and context != CURRENT_CONTEXT:
        arguments["context"] = context
    return arguments


def _caller(ctx: Context[Any, Any]) -> Any:
    try:
        request = ctx.request_context.request
    except ValueError:  # no request: an in-process read
        return LOCAL
    return caller_from_scope(getattr(request, "scope", None)) if request is not None else LOCAL


def register_resources(server: KubeMCPServer, *, contexts: bool) -> None:
    """Add the object resource template to `server`; `contexts` is False in-cluster (one cluster only)."""

    @server.resource(
        OBJECT_TEMPLATE,
        name="kubernetes-object",
        title="A Kubernetes object",
        description=(
            "One object as YAML (secrets masked, noisy fields removed), like the get tool. "
            f"context: a kubeconfig context or {CURRENT_CONTEXT}; namespace: {CLUSTER_SCOPE} for cluster-scoped "
            "kinds; kind: any name kubectl accepts (deploy, pods, nodes)."
        ),
        mime_type="application/yaml",
    )
    async def kubernetes_object(context: str, namespace: str, kind: str, name: str, ctx: Context[Any, Any]) -> str:
        caller = _caller(ctx)
        try:
            arguments = get_arguments(context, namespace, kind, name, contexts=contexts)
        except InvalidName as invalid:
            raise ResourceError(str(invalid)) from None
        outcome = await server.runner.run(TOOLS["get"], arguments, caller=caller, schema=server.tool_schema("get"))
        if outcome.is_error:
            raise ResourceError(outcome.text)
        return outcome.text
