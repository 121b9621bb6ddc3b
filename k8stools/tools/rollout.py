"""Rollouts of Deployments, StatefulSets and DaemonSets: status, history, restart and undo, like kubectl.

`rollout_status` and `rollout_history` only read, so they are separate read-only tools that work in
every policy mode; `rollout` (operation `rollout`) changes the cluster with `restart` and `undo` and is
hidden and refused like every mutating tool when the policy forbids it. It also answers `status` and
`history`, so a model that reaches for one rollout tool finds every action there.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from k8stools.applying import DRY_RUN_HEADER, object_ref
from k8stools.formatting import to_yaml
from k8stools.guard import GuardedClient
from k8stools.kube import KubeError, ResourceType
from k8stools.rollouts import Revision, RolloutState, revisions, rollout_state, undo_patch
from k8stools.tools.call import ToolCall, ToolOutput
from k8stools.tools.errors import ToolInputError
from k8stools.tools.registry import kube_tool
from k8stools.tools.target import resolve_target

ROLLOUT_KINDS = {("apps", "deployments"), ("apps", "statefulsets"), ("apps", "daemonsets")}
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
# A wait ends this long before the tool timeout, so the answer (not a timeout error) reaches the client.
WAIT_MARGIN_SECONDS = 2.0

WorkloadArg = Annotated[str, Field(description="deployment, statefulset or daemonset (or deploy, sts, ds)")]
NameArg = Annotated[str, Field(description="Name of the workload")]
NamespaceArg = Annotated[str | None, Field(description="Namespace; default from the server config")]
WaitArg = Annotated[bool, Field(description="Wait for the rollout to finish (progress is reported while waiting)")]
TimeoutArg = Annotated[
    int | None, Field(ge=1, description="With wait: seconds to wait at most (bounded by the server's tool timeout)")
]
RevisionArg = Annotated[int | None, Field(ge=1, description="Show the pod template of this revision")]


class Workload:
    """The workload a rollout call is about, fetched once."""

    def __init__(self, call: ToolCall, resource_type: str, name: str, namespace: str | None) -> None:
        self.client: GuardedClient = call.client()
        self.target = resolve_target(call, self.client, resource_type, verb=None, name=name, namespace=namespace)
        self.kind: ResourceType = self.target.kind
        if (self.kind.group, self.kind.name) not in ROLLOUT_KINDS:
            raise ToolInputError(
                f"{self.kind.qualified_name} has no rollouts; rollout works on deployments, statefulsets and daemonsets"
            )
        self.namespace = self.target.namespace
        self.name = name
        self.obj: dict[str, Any] = self.client.request(self.target.request())

    @property
    def ref(self) -> str:
        return object_ref(self.kind, self.name)

    def patch(self, body: Any, content_type: str) -> dict[str, Any]:
        result: dict[str, Any] = self.client.request(self.target.request("PATCH", body=body, content_type=content_type))
        return result


@kube_tool("rollout_status", operation="get", title="Rollout status", read_only=True, idempotent=True)
def rollout_status(
    call: ToolCall,
    resourceType: WorkloadArg,
    name: NameArg,
    namespace: NamespaceArg = None,
    wait: WaitArg = False,
    timeoutSeconds: TimeoutArg = None,
) -> str | ToolOutput:
    """Show whether a Deployment, StatefulSet or DaemonSet has finished rolling out (like `kubectl rollout
    status`); with `wait: true`, wait for it and report progress."""
    return _status(call, Workload(call, resourceType, name, namespace), wait, timeoutSeconds)


@kube_tool("rollout_history", operation="get", title="Rollout history", read_only=True, idempotent=True)
def rollout_history(
    call: ToolCall,
    resourceType: WorkloadArg,
    name: NameArg,
    namespace: NamespaceArg = None,
    revision: RevisionArg = None,
) -> str:
    """List the revisions of a Deployment, StatefulSet or DaemonSet with their change-cause (like `kubectl
    rollout history`); give `revision` to see that revision's pod template."""
    return _history(Workload(call, resourceType, name, namespace), revision)


@kube_tool("rollout", operation="rollout", title="Restart or undo a rollout", read_only=False, destructive=True)
def rollout(
    call: ToolCall,
    action: Annotated[
        Literal["restart", "undo", "status", "history"],
        Field(
            description="restart: new pods with the same spec; undo: back to the previous revision (or toRevision); "
            "status/history read only (also available as rollout_status/rollout_history)"
        ),
    ],
    resourceType: WorkloadArg,
    name: NameArg,
    namespace: NamespaceArg = None,
    toRevision: Annotated[
        int | None, Field(ge=1, description="undo: the revision to go back to; default the previous one")
    ] = None,
    wait: WaitArg = False,
    timeoutSeconds: TimeoutArg = None,
    revision: RevisionArg = None,
) -> str | ToolOutput:
    """Restart a Deployment, StatefulSet or DaemonSet (like `kubectl rollout restart`) or roll it back to an
    earlier revision (`kubectl rollout undo`); `rollout_history` shows the revisions to choose from."""
    workload = Workload(call, resourceType, name, namespace)
    if action == "status":
        return _status(call, workload, wait, timeoutSeconds)
    if action == "history":
        return _history(workload, revision)
    header = DRY_RUN_HEADER if call.dry_run else ""
    suffix = " (server dry run)" if call.dry_run else ""
    if action == "restart":
        return header + _restart(workload) + suffix
    return header + _undo(workload, toRevision) + suffix


def _refuse_paused(workload: Workload, what: str) -> None:
    if (workload.obj.get("spec") or {}).get("paused"):
        raise ToolInputError(f"{workload.ref} is paused; resume it first (patch spec.paused to false), then {what}")


def _restart(workload: Workload) -> str:
    _refuse_paused(workload, "restart it")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    workload.patch({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}}, STRATEGIC)
    return f"{workload.ref} restarted"


def _undo(workload: Workload, to_revision: int | None) -> str:
    _refuse_paused(workload, "undo")
    history = revisions(workload.client, workload.kind, workload.obj)
    target = _target_revision(workload, history, to_revision)
    body, content_type = undo_patch(workload.kind, workload.obj, target)
    if body is None:
        return f"{workload.ref}: skipped rollback (the current template already matches revision {target.number})"
    workload.patch(body, JSON_PATCH if content_type == "json" else STRATEGIC)
    return f"{workload.ref} rolled back to revision {target.number}"


def _target_revision(workload: Workload, history: list[Revision], to_revision: int | None) -> Revision:
    if not history:
        raise ToolInputError(f"{workload.ref} has no rollout history to go back to")
    if to_revision is not None:
        for candidate in history:
            if candidate.number == to_revision:
                return candidate
        known = ", ".join(str(candidate.number) for candidate in history)
        raise ToolInputError(f"{workload.ref} has no revision {to_revision}; its revisions are {known}")
    if len(history) < 2:
        raise ToolInputError(f"{workload.ref} has only revision {history[0].number}; there is no previous revision")
    return history[-2]


def _history(workload: Workload, revision: int | None) -> str:
    history = revisions(workload.client, workload.kind, workload.obj)
    if revision is not None:
        for candidate in history:
            if candidate.number == revision:
                return f"{workload.ref} with revision #{revision}\nPod Template:\n{to_yaml(candidate.template)}"
        known = ", ".join(str(candidate.number) for candidate in history) or "none"
        raise ToolInputError(f"{workload.ref} has no revision {revision}; its revisions are {known}")
    if not history:
        return f"{workload.ref}\nNo rollout history found."
    width = max(len("REVISION"), *(len(str(candidate.number)) for candidate in history))
    lines = [workload.ref, f"{'REVISION'.ljust(width)}  CHANGE-CAUSE"]
    lines += [f"{str(candidate.number).ljust(width)}  {candidate.change_cause or '<none>'}" for candidate in history]
    return "\n".join(lines)


def _status(call: ToolCall, workload: Workload, wait: bool, timeout_seconds: int | None) -> str | ToolOutput:
    state = rollout_state(workload.kind.name, workload.obj)
    if not wait or state.done or state.failed:
        return ToolOutput(state.message, is_error=True) if state.failed else state.message
    bound = max(1.0, call.config.tool_timeout_seconds - WAIT_MARGIN_SECONDS)
    timeout = min(float(timeout_seconds), bound) if timeout_seconds else bound
    note = (
        f" (the wait is bounded by the server's {call.config.tool_timeout_seconds:g}s tool timeout)"
        if timeout_seconds and timeout_seconds > bound
        else ""
    )
    state = _wait(call, workload, state, timeout)
    if state.done:
        return state.message
    if state.failed:
        return ToolOutput(state.message, is_error=True)
    return ToolOutput(
        f"timed out after {timeout:g}s waiting for the rollout{note}; last status: {state.message}", is_error=True
    )


def _event(line: str) -> dict[str, Any]:
    """One watch event; a blank or garbled line (a proxy's keep-alive) is no event."""
    try:
        event = json.loads(line)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def _wait(call: ToolCall, workload: Workload, state: RolloutState, timeout: float) -> RolloutState:
    """Watch the workload until its rollout is done, has failed, or `timeout` passes."""
    started = time.monotonic()
    deadline = started + timeout
    version = workload.obj["metadata"].get("resourceVersion", "")
    call.progress(0, timeout, state.message)
    while (remaining := deadline - time.monotonic()) > 0.5:
        query = [
            ("watch", "true"),
            ("fieldSelector", f"metadata.name={workload.name}"),
            ("resourceVersion", version),
            ("timeoutSeconds", max(1, int(remaining))),
        ]
        lines = workload.client.stream_lines(workload.target.collection(query=query), timeout=remaining + 5)
        try:
            for line in lines:
                event = _event(line)
                if event.get("type") == "ERROR":
                    # The watch's resourceVersion expired: start again from a fresh read.
                    workload.obj = workload.client.request(workload.target.request())
                    break
                if event.get("type") == "DELETED":
                    raise ToolInputError(f"{workload.ref} was deleted while waiting for its rollout")
                if isinstance(event.get("object"), dict):
                    workload.obj = event["object"]
                state = rollout_state(workload.kind.name, workload.obj)
                call.progress(round(time.monotonic() - started, 1), timeout, state.message)
                if state.done or state.failed or time.monotonic() >= deadline:
                    return state
        except KubeError:
            if time.monotonic() >= deadline:
                break
            raise
        finally:
            # The stream is a generator: closing it releases the connection.
            close = getattr(lines, "close", None)
            if close is not None:
                close()
        version = workload.obj["metadata"].get("resourceVersion", "")
        state = rollout_state(workload.kind.name, workload.obj)
        if state.done or state.failed:
            return state
    return state
