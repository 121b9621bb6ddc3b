"""The READY, STATUS and RESTARTS columns of ``kubectl get pods``, computed like kubectl's printer.

This follows ``printPod`` in k8s.io/kubernetes/pkg/printers/internalversion/printers.go (v1.35),
including sidecars (restartable init containers), ``NotReady``, ``SchedulingGated`` and the
``3 (12m ago)`` restarts suffix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .age import humanize_age, parse_time

NODE_LOST_REASON = "NodeLost"


@dataclass(frozen=True)
class PodState:
    """What kubectl shows about a pod's containers: ``ready`` as ``r/n``, the STATUS reason, restarts."""

    ready_containers: int
    total_containers: int
    status: str
    restarts: int
    last_restart: datetime | None

    @property
    def ready(self) -> str:
        """The READY column, ``ready/total``."""
        return f"{self.ready_containers}/{self.total_containers}"

    def restarts_text(self, now: datetime) -> str:
        """The RESTARTS column: the count, with ``(5m ago)`` when a last restart time is known."""
        if self.restarts and self.last_restart is not None:
            return f"{self.restarts} ({humanize_age(self.last_restart, now)} ago)"
        return str(self.restarts)


def pod_state(pod: dict[str, Any]) -> PodState:
    """Compute READY, STATUS and RESTARTS for ``pod`` exactly as ``kubectl get pods`` does."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    conditions = status.get("conditions") or []
    phase = status.get("phase") or ""
    reason = status.get("reason") or phase

    for condition in conditions:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs = spec.get("initContainers") or []
    sidecars = {c.get("name") for c in init_specs if c.get("restartPolicy") == "Always"}
    total = len(spec.get("containers") or []) + len(sidecars)
    ready = 0
    restarts = 0
    sidecar_restarts = 0
    last_restart: datetime | None = None
    last_sidecar_restart: datetime | None = None

    initializing = False
    for index, container in enumerate(status.get("initContainerStatuses") or []):
        count = int(container.get("restartCount") or 0)
        finished = _last_termination_time(container)
        restarts += count
        last_restart = _later(last_restart, finished)
        is_sidecar = container.get("name") in sidecars
        if is_sidecar:
            sidecar_restarts += count
            last_sidecar_restart = _later(last_sidecar_restart, finished)
        state = container.get("state") or {}
        terminated = state.get("terminated")
        waiting = state.get("waiting")
        if terminated is not None and int(terminated.get("exitCode") or 0) == 0:
            continue
        if is_sidecar and container.get("started") is True:
            if container.get("ready"):
                ready += 1
            continue
        if terminated is not None:
            reason = "Init:" + _terminated_reason(terminated)
        elif waiting is not None and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _condition_true(conditions, "Initialized"):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        error_reason = ""
        for container in reversed(status.get("containerStatuses") or []):
            restarts += int(container.get("restartCount") or 0)
            last_restart = _later(last_restart, _last_termination_time(container))
            state = container.get("state") or {}
            waiting = state.get("waiting")
            terminated = state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None:
                reason = _terminated_reason(terminated)
                if int(terminated.get("exitCode") or 0) != 0:
                    error_reason = reason
            elif container.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        # A completed container beside running ones does not make the pod "Completed".
        if reason == "Completed":
            if has_running and _condition_true(conditions, "Ready"):
                reason = "Running"
            elif error_reason:
                reason = error_reason
            elif has_running:
                reason = "NotReady"

    deleting = bool((pod.get("metadata") or {}).get("deletionTimestamp"))
    if deleting and status.get("reason") == NODE_LOST_REASON:
        reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"

    return PodState(ready, total, reason, restarts, last_restart)


def container_problems(pod: dict[str, Any]) -> list[str]:
    """Waiting and last-termination reasons per container, e.g. ``app:CrashLoopBackOff,last=OOMKilled``.

    This feeds the REASON column of the wide pod table: the why behind a STATUS in one cell.
    """
    status = pod.get("status") or {}
    problems: list[str] = []
    statuses = (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
    for container in statuses:
        state = container.get("state") or {}
        parts: list[str] = []
        waiting = state.get("waiting") or {}
        if waiting.get("reason") and waiting["reason"] != "PodInitializing":
            parts.append(waiting["reason"])
        terminated = state.get("terminated")
        if terminated is not None and int(terminated.get("exitCode") or 0) != 0:
            parts.append(_terminated_reason(terminated))
        last = (container.get("lastState") or {}).get("terminated")
        if last is not None and last.get("reason") != "Completed":
            parts.append("last=" + _terminated_reason(last))
        if parts:
            problems.append(f"{container.get('name')}:{','.join(parts)}")
    return problems


def _terminated_reason(terminated: dict[str, Any]) -> str:
    if terminated.get("reason"):
        return str(terminated["reason"])
    if terminated.get("signal"):
        return f"Signal:{terminated['signal']}"
    return f"ExitCode:{int(terminated.get('exitCode') or 0)}"


def _last_termination_time(container: dict[str, Any]) -> datetime | None:
    terminated = (container.get("lastState") or {}).get("terminated")
    if terminated is None:
        return None
    return parse_time(terminated.get("finishedAt"))


def _later(current: datetime | None, candidate: datetime | None) -> datetime | None:
    if candidate is None:
        return current
    if current is None or candidate > current:
        return candidate
    return current


def _condition_true(conditions: list[dict[str, Any]], condition_type: str) -> bool:
    for condition in conditions:
        if condition.get("type") == condition_type:
            return condition.get("status") == "True"
    return False
