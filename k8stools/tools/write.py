"""The mutating resource tools: create, apply, delete, patch and scale.

Every request goes through the call's `GuardedClient` (restricted namespaces, non-destructive mode,
`dryRun=All` in dry-run mode). Manifests are checked against the policy as a whole before the
first document is sent, and a failure part-way says what was and was not changed.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field

from k8stools.apirequest import FixedKind, resource_request
from k8stools.applying import (
    DIFF_ONLY_NOTE,
    DRY_RUN_HEADER,
    DRY_RUN_QUERY,
    apply_documents,
    changed,
    create_documents,
    diff_documents,
    get_or_none,
    object_ref,
    plan_documents,
    with_objects,
)
from k8stools.diff import render_diff
from k8stools.kube import KubeError, ResourceType
from k8stools.manifests import parse_manifest
from k8stools.tools.call import ToolCall, ToolOutput
from k8stools.tools.errors import ToolInputError, describe_kube_error
from k8stools.tools.registry import kube_tool
from k8stools.tools.target import resolve_target

ManifestArg = Annotated[
    str | dict[str, Any] | list[Any],
    Field(description="YAML or JSON text (several documents separated by ---), one object, or a list of objects"),
]
NamespaceArg = Annotated[str | None, Field(description="Namespace; default from the server config")]
ApiGroupArg = Annotated[
    str | None, Field(description="API group, e.g. apps or apps/v1, when the kind name is ambiguous")
]
OutputArg = Annotated[
    Literal["summary", "yaml"], Field(description="summary: one line per object; yaml: also the resulting objects")
]
MAX_DELETE_WITHOUT_CONFIRMATION = 100
LIST_PAGE_SIZE = 500
PATCH_CONTENT_TYPES = {
    "strategic": "application/strategic-merge-patch+json",
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
}
JSON_PATCH_OPERATIONS = ("add", "remove", "replace", "move", "copy", "test")


@kube_tool("create", operation="create", title="Create resources", read_only=False, alias=True)
def create(
    call: ToolCall,
    manifest: ManifestArg,
    namespace: Annotated[
        str | None, Field(description="Namespace for documents that name none; default from the server config")
    ] = None,
    output: OutputArg = "summary",
) -> str | ToolOutput:
    """Create the objects of a manifest (fails for objects that already exist; use apply to create or update).

    Documents are created in order; all are checked against the policy before the first is sent. In dry-run
    mode the API server validates them and nothing is created."""
    documents = parse_manifest(manifest, allow_generate_name=True)
    plans = plan_documents(call, documents, namespace, verb="create")
    return with_objects(create_documents(call, plans), output)


@kube_tool("apply", operation="apply", title="Apply resources", read_only=False, idempotent=True, alias=True)
def apply(
    call: ToolCall,
    manifest: ManifestArg,
    namespace: Annotated[
        str | None, Field(description="Namespace for documents that name none; default from the server config")
    ] = None,
    force: Annotated[
        bool, Field(description="Take over fields another field manager owns (resolves apply conflicts)")
    ] = False,
    diff: Annotated[
        bool, Field(description="Only preview: show a diff of each object now and after the apply; nothing changes")
    ] = False,
    output: OutputArg = "summary",
) -> str | ToolOutput:
    """Create or update the objects of a manifest with server-side apply (field manager `kubemcp`), like
    `kubectl apply --server-side`. Use `diff: true` first to see what would change."""
    documents = parse_manifest(manifest, allow_generate_name=False)
    plans = plan_documents(call, documents, namespace, verb="patch")
    if diff:
        return diff_documents(call, plans, force=force)
    return with_objects(apply_documents(call, plans, force=force), output)


@kube_tool("delete", operation="delete", title="Delete resources", read_only=False, destructive=True, alias=True)
def delete(
    call: ToolCall,
    resourceType: Annotated[str, Field(description="Kind: plural, singular, Kind or short name (po, deploy, svc)")],
    name: Annotated[
        str | None, Field(description="Object name; leave out and give labelSelector to delete several")
    ] = None,
    namespace: NamespaceArg = None,
    apiGroup: ApiGroupArg = None,
    labelSelector: Annotated[
        str | None, Field(description="Delete every object matching this selector, e.g. app=web")
    ] = None,
    confirmMany: Annotated[
        bool, Field(description=f"Required to delete more than {MAX_DELETE_WITHOUT_CONFIRMATION} objects by selector")
    ] = False,
    gracePeriodSeconds: Annotated[
        int | None, Field(ge=0, description="Seconds before the object is killed; 0 for now")
    ] = None,
    propagationPolicy: Annotated[
        Literal["Foreground", "Background", "Orphan"] | None,
        Field(description="What happens to dependents: Background (default), Foreground, or Orphan (keep them)"),
    ] = None,
) -> str | ToolOutput:
    """Delete one object by name, or several by label selector (bounded; more than 100 needs confirmMany)."""
    if bool(name) == bool(labelSelector):
        raise ToolInputError("give either name (one object) or labelSelector (several), not both and not neither")
    client = call.client()
    target = resolve_target(call, client, resourceType, apiGroup, verb=None, name=name, namespace=namespace)
    kind, ns = target.kind, target.namespace
    if "delete" not in kind.verbs:
        raise ToolInputError(f"{kind.qualified_name} cannot be deleted (the API server does not allow delete on it)")
    call.aim(name=name or labelSelector or "")
    query = [("gracePeriodSeconds", gracePeriodSeconds), ("propagationPolicy", propagationPolicy)]
    names = [name] if name else _select_for_delete(client, kind, ns, labelSelector or "", confirmMany)
    suffix = " (server dry run)" if call.dry_run else ""
    if len(names) > MAX_DELETE_WITHOUT_CONFIRMATION and "deletecollection" in kind.verbs:
        # Confirmed bulk delete: one request, so a large selection cannot outlast the tool timeout half-done.
        client.request(target.collection("DELETE", query=[("labelSelector", labelSelector), *query]))
        where = f" in namespace {ns}" if ns else ""
        return (
            f"{DRY_RUN_HEADER if call.dry_run else ''}{len(names)} {kind.qualified_name} matching labelSelector "
            f"'{labelSelector}'{where} deleted{suffix}: {', '.join(names)}"
        )
    lines, failures = [], 0
    for position, each in enumerate(names, start=1):
        call.progress(position - 1, len(names), f"deleting {each}")
        ref = f'{object_ref(kind, "").rstrip("/")} "{each}"'
        try:
            client.request(resource_request(kind, method="DELETE", namespace=ns, name=each, query=query))
            lines.append(f"{ref} deleted{suffix}")
        except KubeError as error:
            if name:
                raise
            if error.status == 404:  # deleted meanwhile by someone else: the outcome wanted
                lines.append(f"{ref} already gone")
                continue
            failures += 1
            lines.append(f"{ref} FAILED: {describe_kube_error(error)}")
    text = (DRY_RUN_HEADER if call.dry_run else "") + "\n".join(lines)
    if failures:
        return ToolOutput(
            f"{failures} of {len(names)} deletions failed; the others went through.\n{text}", is_error=True
        )
    return text


def _select_for_delete(
    client: Any, kind: ResourceType, namespace: str | None, selector: str, confirm_many: bool
) -> list[str]:
    """Names of the objects `selector` matches; refuses more than the bound unless confirmed."""
    names: list[str] = []
    # Unconfirmed, one more than the bound is enough to refuse; confirmed, read every match page by page.
    page_size = MAX_DELETE_WITHOUT_CONFIRMATION + 1 if not confirm_many else LIST_PAGE_SIZE
    query: list[tuple[str, Any]] = [("labelSelector", selector), ("limit", page_size)]
    found = client.request(resource_request(kind, namespace=namespace, query=query))
    names += [item["metadata"]["name"] for item in found.get("items") or []]
    while confirm_many and (found.get("metadata") or {}).get("continue"):
        following = query + [("continue", found["metadata"]["continue"])]
        found = client.request(resource_request(kind, namespace=namespace, query=following))
        names += [item["metadata"]["name"] for item in found.get("items") or []]
    where = f" in namespace {namespace}" if namespace else ""
    if not names:
        raise ToolInputError(f"no {kind.qualified_name} match labelSelector '{selector}'{where}; nothing was deleted")
    if len(names) > MAX_DELETE_WITHOUT_CONFIRMATION and not confirm_many:
        remaining = (found.get("metadata") or {}).get("remainingItemCount")
        count = (
            f"{len(names) + remaining}"
            if isinstance(remaining, int)
            else f"more than {MAX_DELETE_WITHOUT_CONFIRMATION}"
        )
        raise ToolInputError(
            f"labelSelector '{selector}' matches {count} {kind.qualified_name}{where}; nothing was deleted. "
            "Narrow the selector, or pass confirmMany: true if deleting all of them is intended"
        )
    return names


@kube_tool(
    "patch", operation="patch", title="Patch a resource", read_only=False, destructive=True, idempotent=True, alias=True
)
def patch(
    call: ToolCall,
    resourceType: Annotated[str, Field(description="Kind: plural, singular, Kind or short name (po, deploy, svc)")],
    name: Annotated[str, Field(description="Object name")],
    patch: Annotated[
        dict[str, Any] | list[Any] | str,
        Field(
            description="The patch: an object (strategic or merge), a list of RFC 6902 operations (json), or JSON text"
        ),
    ],
    patchType: Annotated[
        Literal["strategic", "merge", "json"] | None,
        Field(
            description="strategic (default for built-in kinds), merge (default for custom resources), or json (RFC 6902)"
        ),
    ] = None,
    namespace: NamespaceArg = None,
    apiGroup: ApiGroupArg = None,
    diff: Annotated[
        bool, Field(description="Only preview: show a diff of the object now and after the patch; nothing changes")
    ] = False,
    output: OutputArg = "summary",
) -> str | ToolOutput:
    """Change fields of one object with a strategic merge, JSON merge (RFC 7386) or JSON patch (RFC 6902).
    Use `diff: true` first to see what would change."""
    body = _parse_patch(patch)
    client = call.client()
    target = resolve_target(call, client, resourceType, apiGroup, verb=None, name=name, namespace=namespace)
    kind = target.kind
    chosen = _patch_type(client, kind, patchType, body)
    ref = object_ref(kind, name)
    before = client.request(target.request())
    query = list(DRY_RUN_QUERY) if diff else []
    try:
        result = client.request(
            target.request("PATCH", query=query, body=body, content_type=PATCH_CONTENT_TYPES[chosen])
        )
    except KubeError as error:
        if error.status == 415 and chosen == "strategic":
            raise ToolInputError(_STRATEGIC_ON_CUSTOM.format(kind=kind.qualified_name)) from None
        raise
    if diff:
        return render_diff(before, result, name=ref, change=f"{chosen} patch") + DIFF_ONLY_NOTE
    state = "patched" if changed(before, result) else "patched (no change)"
    if call.dry_run:
        return with_objects((f"{DRY_RUN_HEADER}{ref} {state} (server dry run)", [result], False), output)
    return with_objects((f"{ref} {state}", [result], False), output)


_STRATEGIC_ON_CUSTOM = (
    "strategic merge patch is not supported for custom resources ({kind}); use patchType merge (an object) "
    "or json (a list of operations)"
)


def _parse_patch(patch: dict[str, Any] | list[Any] | str) -> dict[str, Any] | list[Any]:
    if not isinstance(patch, str):
        return patch
    try:
        parsed = json.loads(patch)
    except ValueError as error:
        try:
            parsed = yaml.safe_load(patch)
        except yaml.YAMLError:
            parsed = None
        if not isinstance(parsed, dict | list):
            raise ToolInputError(
                f"patch is not valid JSON ({error}); send an object, a list of operations, or JSON text"
            ) from None
    if not isinstance(parsed, dict | list):
        raise ToolInputError("patch must be an object or a list of operations, not a single value")
    return parsed


def _patch_type(client: Any, kind: ResourceType, asked: str | None, body: dict[str, Any] | list[Any]) -> str:
    """The patch type to send: the one asked for (checked against the body), or a sensible default."""
    if asked is None:
        asked = "json" if isinstance(body, list) else ("merge" if _is_custom(client, kind) else "strategic")
    elif asked == "strategic" and _is_custom(client, kind):
        raise ToolInputError(_STRATEGIC_ON_CUSTOM.format(kind=kind.qualified_name))
    if asked == "json":
        if not isinstance(body, list):
            raise ToolInputError(
                'a json patch is a list of RFC 6902 operations, e.g. [{"op": "replace", "path": "/spec/replicas", '
                '"value": 3}]; for an object use patchType merge or strategic'
            )
        for position, operation in enumerate(body, start=1):
            if (
                not isinstance(operation, dict)
                or operation.get("op") not in JSON_PATCH_OPERATIONS
                or not isinstance(operation.get("path"), str)
            ):
                raise ToolInputError(
                    f"json patch operation {position} must be an object with op ({', '.join(JSON_PATCH_OPERATIONS)}) "
                    'and path, e.g. {"op": "replace", "path": "/spec/replicas", "value": 3}'
                )
    elif not isinstance(body, dict):
        raise ToolInputError(f"a {asked} patch is an object; for a list of RFC 6902 operations use patchType json")
    return asked


def _is_custom(client: Any, kind: ResourceType) -> bool:
    """Is `kind` served by a CustomResourceDefinition? (Built-in groups have no dot or end in .k8s.io.)"""
    if "." not in kind.group:
        return False
    definitions = FixedKind("apiextensions.k8s.io", "v1", "customresourcedefinitions", namespaced=False)
    crd = get_or_none(client, resource_request(definitions, name=f"{kind.name}.{kind.group}"))
    return crd is not None


@kube_tool(
    "scale", operation="scale", title="Scale a workload", read_only=False, destructive=True, idempotent=True, alias=True
)
def scale(
    call: ToolCall,
    resourceType: Annotated[
        str,
        Field(
            description="Kind with a scale subresource: deployments, replicasets, statefulsets, or a CRD that has one"
        ),
    ],
    name: Annotated[str, Field(description="Object name")],
    replicas: Annotated[int, Field(ge=0, description="The number of replicas wanted (0 stops every pod)")],
    namespace: NamespaceArg = None,
    apiGroup: ApiGroupArg = None,
) -> str:
    """Set the replica count of a workload through its scale subresource (like `kubectl scale`)."""
    client = call.client()
    target = resolve_target(call, client, resourceType, apiGroup, verb=None, name=name, namespace=namespace)
    kind = target.kind
    if "scale" not in kind.subresources:
        raise ToolInputError(
            f"{kind.qualified_name} cannot be scaled: it has no scale subresource (scalable: deployments, replicasets, "
            "statefulsets, and custom resources whose CRD enables scale)"
        )
    before = client.request(target.request(subresource="scale"))
    result = client.request(
        target.request(
            "PATCH",
            subresource="scale",
            body={"spec": {"replicas": replicas}},
            content_type=PATCH_CONTENT_TYPES["merge"],
        )
    )
    old = (before.get("spec") or {}).get("replicas", 0)
    new = (result.get("spec") or {}).get("replicas", replicas)
    ref = object_ref(kind, name)
    if call.dry_run:
        return f"{DRY_RUN_HEADER}{ref} would be scaled from {old} to {new} replicas (server dry run)"
    if old == new:
        return f"{ref} already has {new} replicas (unchanged)"
    return f"{ref} scaled from {old} to {new} replicas"
