"""`completion/complete`: argument values from the cluster, for clients that offer completion.

The protocol completes arguments of prompts (`ref/prompt`) and resource templates (`ref/resource`);
it has no reference type for tools. Arguments are therefore completed by their name, whatever the
reference: `namespace` (namespace names), `resourceType` (resource names and short names from
discovery), `name` (names of the `resourceType` given in `context.arguments`, in its `namespace`),
and `context`/`contextName` (kubeconfig contexts). A prompt or resource template with arguments of
these names gets them, and so does a client that completes tool arguments by sending one of these
names with any reference.

The cluster is asked as the caller (their own token under downstream OAuth), through the guard:
restricted namespaces are never offered. Completion is a convenience: on any failure the answer is
an empty completion, never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
from mcp_types import CompleteRequestParams, CompleteResult, Completion

from k8stools.apirequest import resource_request
from k8stools.context import ServerContext
from k8stools.dbconnections import releasing_connections
from k8stools.guard import GuardedClient
from k8stools.identity import LOCAL, Caller, caller_from_scope
from k8stools.names import is_namespace_name
from k8stools.namespace_filters import REFERENCING_RESOURCES
from k8stools.policy import Policy, PolicySource
from k8stools.resources import effective_namespace, resolve
from k8stools.tools.call import ToolCall
from k8stools.tools.listing import exclusion_selector
from k8stools.tools.runner import _resolve_context

logger = logging.getLogger(__name__)

MAX_VALUES = 100
TIMEOUT_SECONDS = 5.0
# Names are matched here, not by the API server: read at most this many (names only, as a Table).
NAME_SCAN_LIMIT = 1000
TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
CONTEXT_ARGUMENTS = frozenset({"context", "contextName"})
CLUSTER_ARGUMENTS = frozenset({"namespace", "resourceType", "name"})


def completion_of(candidates: Iterable[str], prefix: str) -> Completion:
    """The values starting with `prefix` (case-insensitive), sorted, at most MAX_VALUES."""
    wanted = prefix.lower()
    matching = sorted({value for value in candidates if value.lower().startswith(wanted)})
    return Completion(values=matching[:MAX_VALUES], total=len(matching), has_more=len(matching) > MAX_VALUES)


def names_in(listing: dict[str, Any]) -> list[str]:
    """Object names from a Table (rows) or a plain list (items)."""
    names = []
    for entry in listing.get("rows") or listing.get("items") or []:
        metadata = (entry.get("object") or entry).get("metadata") or {}
        name = metadata.get("name") or (entry.get("cells") or [None])[0]
        if isinstance(name, str) and name:
            names.append(name)
    return names


class ArgumentCompleter:
    """The `completion/complete` handler of `KubeMCPServer`."""

    def __init__(self, *, server: Callable[[], ServerContext], policy: PolicySource) -> None:
        self._server = server
        self._policy = policy

    async def handle(self, ctx: Any, params: CompleteRequestParams) -> CompleteResult:
        request = getattr(ctx, "request", None)
        caller = caller_from_scope(getattr(request, "scope", None)) if request is not None else LOCAL
        arguments = dict((params.context.arguments if params.context else None) or {})
        work = partial(self.candidates, caller, params.argument.name, arguments)
        try:
            with anyio.fail_after(TIMEOUT_SECONDS):
                candidates = await anyio.to_thread.run_sync(releasing_connections(work), abandon_on_cancel=True)
        except Exception as error:  # completion is best effort: an empty answer, never an error
            logger.info("completion of %r failed: %r", params.argument.name, error)
            candidates = []
        return CompleteResult(completion=completion_of(candidates, params.argument.value))

    def candidates(self, caller: Caller, argument: str, arguments: dict[str, str]) -> list[str]:
        """Every value the argument could take (before prefix matching); runs in a worker thread."""
        server = self._server()
        if argument in CONTEXT_ARGUMENTS:
            return [context.name for context in server.client_factory.contexts()]
        if argument not in CLUSTER_ARGUMENTS:
            return []
        policy = self._policy.current()
        call = ToolCall(
            tool="completion",
            operation="list",
            caller=caller,
            server=server,
            policy=policy,
            context_name=_resolve_context(
                server, caller, arguments.get("context") or arguments.get("contextName") or ""
            ),
        )
        client = call.client()
        if argument == "namespace":
            return namespace_names(client, policy)
        if argument == "resourceType":
            return resource_type_names(client)
        return object_names(client, policy, arguments, server.config.default_namespace)


def namespace_names(client: GuardedClient, policy: Policy) -> list[str]:
    namespaces = resolve(client, "namespaces", "v1")
    listing = client.request(
        resource_request(
            namespaces,
            query={
                "limit": NAME_SCAN_LIMIT,
                "includeObject": "Metadata",
                "fieldSelector": exclusion_selector(policy, namespaces, None) or None,
            },
            accept=TABLE_ACCEPT,
        )
    )
    return [name for name in names_in(listing) if not policy.is_restricted(name)]


def resource_type_names(client: GuardedClient) -> list[str]:
    names: set[str] = set()
    for resource in client.resource_types():
        if resource.preferred:
            names.add(resource.name)
            names.update(resource.short_names)
    return sorted(names)


def object_names(client: GuardedClient, policy: Policy, arguments: dict[str, str], default_namespace: str) -> list[str]:
    """Names of the objects of `arguments["resourceType"]` in `arguments["namespace"]` (or the default)."""
    resource_type = arguments.get("resourceType")
    if not resource_type:
        return []
    resource = resolve(client, resource_type, arguments.get("apiGroup") or None)
    namespace = effective_namespace(resource, arguments.get("namespace") or None, default_namespace)
    # A namespace that is not a plain name could reach another one (`default/../kube-system`).
    if policy.is_restricted(namespace) or (namespace and not is_namespace_name(namespace)):
        return []  # a completion offers nothing for a namespace it may not or cannot look into
    # An event's name carries the name of the object it is about, a volume's or a binding's name may be
    # its claim's or its subject's: the guard needs whole objects to see the namespaces they name and
    # drop those that name restricted ones (it drops rows of these kinds that come without theirs).
    whole = bool(policy.restricted_namespaces) and (resource.group, resource.name) in REFERENCING_RESOURCES
    listing = client.request(
        resource_request(
            resource,
            namespace=namespace,
            query={
                "limit": NAME_SCAN_LIMIT,
                "includeObject": "Object" if whole else "Metadata",
                "fieldSelector": exclusion_selector(policy, resource, namespace) or None,
            },
            accept=TABLE_ACCEPT,
        )
    )
    names = names_in(listing)
    if resource.group == "" and resource.name == "namespaces":
        names = [name for name in names if not policy.is_restricted(name)]
    return names
