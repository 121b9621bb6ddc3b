"""Sending a manifest's documents: checked as a whole first, then sent in order, reported one by one.

`plan_documents` resolves every document's kind and namespace and checks the policy for all of them
before anything is sent. `create_documents` and `apply_documents` send them in order and stop at the
first failure; their report says which documents succeeded, which failed (with the API server's
message) and which were not attempted, so nothing is half-applied silently.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from k8stools.apirequest import JSON, ApiRequest, resource_request
from k8stools.diff import render_diff, review_form
from k8stools.formatting import mask_secrets, prune, to_yaml
from k8stools.guard import GuardedClient
from k8stools.kube import KubeError, ResourceType
from k8stools.manifests import (
    ManifestDocument,
    is_definition,
    kind_defined_by,
    namespaces_touched,
    resolve_document,
    target_namespace,
)
from k8stools.names import InvalidName, check_namespace, check_object_name
from k8stools.policy import PolicyDenied
from k8stools.resources import resolve
from k8stools.tools.call import ToolCall, ToolOutput
from k8stools.tools.errors import ToolInputError, describe_kube_error

FIELD_MANAGER = "kubemcp"
# How long a document waits for the CRD created earlier in its manifest to be served.
DEFINITION_WAIT_SECONDS = 10.0
APPLY_PATCH = "application/apply-patch+yaml"
DRY_RUN_QUERY = (("dryRun", "All"),)
DRY_RUN_HEADER = "Dry run: the API server validated this change; nothing was changed.\n"
DIFF_ONLY_NOTE = "\n(diff only: the API server computed this with a dry run; nothing was changed)"

# (text, resulting objects, failed)
Report = tuple[str, list[dict[str, Any]], bool]


@dataclass(frozen=True)
class PlannedWrite:
    document: ManifestDocument
    kind: ResourceType
    namespace: str | None
    # The kind is defined by a CRD earlier in the manifest: served only once that CRD is created.
    awaits_definition: bool = False

    @property
    def ref(self) -> str:
        return object_ref(self.kind, self.document.name)

    def request(self, method: str, *, named: bool = True, query: Any = (), content_type: str = JSON) -> ApiRequest:
        """The request that sends this document: to its object (`named`), or to its kind's collection (create)."""
        return resource_request(
            self.kind,
            method=method,
            namespace=self.namespace,
            name=self.document.name if named else None,
            query=query,
            body=self.body() if method != "GET" else None,
            content_type=content_type,
        )

    def body(self) -> dict[str, Any]:
        """The document as sent: its namespace set for namespaced kinds, dropped for cluster-scoped ones."""
        body = copy.deepcopy(self.document.body)
        if self.namespace:
            body["metadata"]["namespace"] = self.namespace
        else:
            body["metadata"].pop("namespace", None)
        return body


def object_ref(kind: ResourceType, name: str) -> str:
    """kubectl's name for an object: `deployment.apps/web`, `service/web`."""
    group = f".{kind.group}" if kind.group else ""
    return f"{kind.kind.lower()}{group}/{name}"


def plan_documents(
    call: ToolCall, documents: list[ManifestDocument], namespace: str | None, *, verb: str
) -> list[PlannedWrite]:
    """Resolve every document and check the policy for all of them; nothing is sent yet."""
    client = call.client()
    default = namespace or call.config.default_namespace
    plans: list[PlannedWrite] = []
    for document in documents:
        definitions = [plan.document for plan in plans if is_definition(plan.kind)]
        try:
            kind = resolve_document(client, document)
            awaits_definition = False
        except ToolInputError:
            defined = kind_defined_by(document, definitions)
            if defined is None:
                raise
            kind, awaits_definition = defined, True
        if verb not in kind.verbs:
            raise ToolInputError(f"{document.label}: {kind.qualified_name} does not support {verb}; nothing was sent")
        target = target_namespace(document, kind, default)
        try:  # the manifest's own metadata is as hostile as any argument
            if target:
                check_namespace(target)
            if document.name:
                check_object_name(document.name, group=kind.group, resource=kind.name)
        except InvalidName as invalid:
            raise ToolInputError(f"{document.label}: {invalid}; nothing was sent") from None
        for touched in namespaces_touched(document, kind, target):
            try:
                call.policy.check_namespace(touched)
            except PolicyDenied as denied:
                raise PolicyDenied(f"{document.label}: {denied}; no document was sent") from None
        plans.append(PlannedWrite(document, kind, target, awaits_definition))
    first = plans[0]
    call.aim(namespace=first.namespace or "", kind=first.kind.qualified_name, name=first.document.name)
    return plans


def get_or_none(client: GuardedClient, request: ApiRequest) -> dict[str, Any] | None:
    """The object `request` (a GET) reads, or None when it does not exist."""
    try:
        found: dict[str, Any] = client.request(request)
    except KubeError as error:
        if error.status == 404:
            return None
        raise
    return found


def changed(before: dict[str, Any] | None, after: dict[str, Any]) -> bool:
    """Did the write change what the object says (status and bookkeeping aside)?

    Not a resourceVersion comparison: a dry run keeps the old one, and a controller that updates the
    status between our read and our write bumps it without anything of ours having changed.
    """
    if before is None:
        return True
    return _desired_state(before) != _desired_state(after)


def _desired_state(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in review_form(obj).items() if key != "status"}


def create_documents(call: ToolCall, plans: list[PlannedWrite]) -> Report:
    client = call.client()

    def send(plan: PlannedWrite) -> tuple[str, dict[str, Any]]:
        result = client.request(plan.request("POST", named=False))
        name = (result.get("metadata") or {}).get("name") or plan.document.name
        return f"{object_ref(plan.kind, name)} created", result

    return _send_in_order(call, plans, send, explain=describe_kube_error)


def apply_documents(call: ToolCall, plans: list[PlannedWrite], *, force: bool) -> Report:
    client = call.client()

    def send(plan: PlannedWrite) -> tuple[str, dict[str, Any]]:
        before = get_or_none(client, plan.request("GET"))
        result = client.request(plan.request("PATCH", query=_apply_query(force), content_type=APPLY_PATCH))
        state = "created" if before is None else ("configured" if changed(before, result) else "unchanged")
        return f"{plan.ref} {state}", result

    return _send_in_order(call, plans, send, explain=_apply_error)


def diff_documents(call: ToolCall, plans: list[PlannedWrite], *, force: bool) -> str | ToolOutput:
    """The server-side dry run of applying each document, as a diff against the live object."""
    client = call.client()
    parts, failed = [], False
    for plan in plans:
        if plan.awaits_definition:
            parts.append(
                f"{plan.ref}: not previewed: its kind comes from a CustomResourceDefinition in this manifest, "
                "which a diff does not create\n"
            )
            continue
        try:
            before = get_or_none(client, plan.request("GET"))
            query = _apply_query(force) + list(DRY_RUN_QUERY)
            after = client.request(plan.request("PATCH", query=query, content_type=APPLY_PATCH))
        except KubeError as error:
            failed = True
            parts.append(f"{plan.ref}: the dry run FAILED: {_apply_error(error)}\n")
            continue
        parts.append(render_diff(before, after, name=plan.ref, change="apply"))
    text = "".join(parts) + DIFF_ONLY_NOTE
    return ToolOutput(text, is_error=True) if failed else text


def _apply_query(force: bool) -> list[tuple[str, str]]:
    query = [("fieldManager", FIELD_MANAGER)]
    if force:
        query.append(("force", "true"))
    return query


def _apply_error(error: KubeError) -> str:
    if error.status == 409 and error.reason == "Conflict" and "conflict" in error.message.lower():
        return (
            f"{error.message.rstrip('.')}; these fields are owned by another field manager: pass force: true "
            "to take them over if that is intended"
        )
    return describe_kube_error(error)


def _send_in_order(
    call: ToolCall,
    plans: list[PlannedWrite],
    send: Callable[[PlannedWrite], tuple[str, dict[str, Any]]],
    *,
    explain: Callable[[KubeError], str],
) -> Report:
    """Send each plan in order; stop at the first failure and report what was and was not done."""
    suffix = " (server dry run)" if call.dry_run else ""
    lines: list[str] = []
    results: list[dict[str, Any]] = []
    for position, plan in enumerate(plans):
        if len(plans) > 1:
            call.progress(position, len(plans), plan.document.label)
        try:
            if plan.awaits_definition:
                await_definition(call, plan)
            line, result = send(plan)
        except KubeError as error:
            return _failure_report(call, plans, position, lines, explain(error)), results, True
        except ToolInputError as error:
            return _failure_report(call, plans, position, lines, str(error)), results, True
        lines.append(line + suffix)
        results.append(result)
    header = DRY_RUN_HEADER if call.dry_run else ""
    return header + "\n".join(lines), results, False


def await_definition(call: ToolCall, plan: PlannedWrite) -> None:
    """Wait (briefly, bounded by the tool timeout) until the API server serves a kind whose CRD was just created."""
    kind = plan.kind
    if call.dry_run:
        raise ToolInputError(
            f"{kind.kind} is defined by a CustomResourceDefinition in this manifest, which a dry run does not "
            "create, so the API server cannot validate this document yet"
        )
    deadline = time.monotonic() + min(DEFINITION_WAIT_SECONDS, call.config.tool_timeout_seconds / 3)
    while True:
        try:
            resolve(call.client(), kind.kind, kind.api_version)
            return
        except ToolInputError:
            if time.monotonic() >= deadline:
                raise ToolInputError(
                    f"the API server does not serve {kind.kind} ({kind.api_version}) yet although its "
                    "CustomResourceDefinition was created; apply again in a moment"
                ) from None
            time.sleep(0.5)


def _failure_report(call: ToolCall, plans: list[PlannedWrite], failed: int, done: list[str], message: str) -> str:
    total = len(plans)
    summary = f"{failed} of {total} documents succeeded; {plans[failed].document.label} failed"
    if failed + 1 < total:
        summary += f"; the {total - failed - 1} after it were not attempted"
    lines = [summary + ("" if not call.dry_run else " (dry run: nothing was changed)") + "."]
    lines += [f"succeeded: {line}" for line in done]
    lines.append(f"FAILED: {plans[failed].document.label}: {message}")
    lines += [f"not attempted: {plan.document.label}" for plan in plans[failed + 1 :]]
    return "\n".join(lines)


def with_objects(report: Report, output: Literal["summary", "yaml"]) -> str | ToolOutput:
    """The report, and with `output: yaml` the resulting objects (pruned, secrets masked)."""
    text, objects, failed = report
    if output == "yaml" and objects:
        documents = "".join(f"---\n{to_yaml(prune(mask_secrets(obj), 'normal'))}" for obj in objects)
        text = f"{text}\n{documents}"
    return ToolOutput(text, is_error=True) if failed else text
