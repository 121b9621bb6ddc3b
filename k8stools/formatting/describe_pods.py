"""``describe`` sections for Pods and for the containers of any pod spec or template."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .age import humanize_age
from .columns import NONE
from .describe_text import Field, clip, field_lines, indent_block, mapping_text
from .podstatus import pod_state
from .tables import layout_table
from .workload_columns import pod_ip

ENV_SHOWN = 8
VOLUME_SOURCE_NAMES = ("name", "secretName", "claimName", "path", "server", "pdName", "volumeID", "shareName")


def describe_pod(pod: dict[str, Any], now: datetime) -> list[str]:
    """Node, status, IP, containers with state and restarts, conditions and volumes of a Pod."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    state = pod_state(pod)
    phase = status.get("phase") or "Unknown"
    shown_status = state.status if state.status == phase else f"{state.status} (phase {phase})"
    node = spec.get("nodeName") or NONE
    if spec.get("nodeName") and status.get("hostIP"):
        node = f"{node}/{status['hostIP']}"
    fields: list[Field] = [("Node", node), ("Status", shown_status)]
    if status.get("reason") or status.get("message"):
        fields.append(("Reason", clip(" ".join(str(status.get(k) or "") for k in ("reason", "message")).strip())))
    fields += [
        ("IP", pod_ip(pod)),
        ("Ready", state.ready),
        ("Restarts", state.restarts_text(now)),
    ]
    if status.get("qosClass"):
        fields.append(("QoS Class", str(status["qosClass"])))
    if spec.get("serviceAccountName"):
        fields.append(("Service Account", str(spec["serviceAccountName"])))
    if spec.get("nodeSelector"):
        fields.append(("Node-Selectors", mapping_text(spec["nodeSelector"])))
    lines = field_lines(fields)
    statuses = {
        s.get("name"): s for s in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
    }
    if spec.get("initContainers"):
        lines.append("Init Containers:")
        lines += container_lines(spec["initContainers"], statuses, now, indent=2)
    lines.append("Containers:")
    lines += container_lines(spec.get("containers") or [], statuses, now, indent=2)
    lines += conditions_lines(status.get("conditions") or [])
    lines += field_lines([("Volumes", volumes_text(spec.get("volumes") or []))])
    return lines


def container_lines(
    containers: list[dict[str, Any]], statuses: dict[Any, dict[str, Any]], now: datetime, indent: int
) -> list[str]:
    """One block per container: image, ports, state, last state, ready, restarts, resources, env."""
    lines: list[str] = []
    for container in containers:
        sidecar = " (sidecar)" if container.get("restartPolicy") == "Always" else ""
        lines.append(f"{' ' * indent}{container.get('name')}{sidecar}:")
        fields: list[Field] = [("Image", str(container.get("image") or ""))]
        ports = [f"{p.get('containerPort')}/{p.get('protocol') or 'TCP'}" for p in container.get("ports") or []]
        if ports:
            fields.append(("Ports", ", ".join(ports)))
        if container.get("command") or container.get("args"):
            fields.append(
                ("Command", clip(" ".join(str(a) for a in container.get("command", []) + container.get("args", []))))
            )
        status = statuses.get(container.get("name"))
        if status is not None:
            fields.append(("State", state_text(status.get("state") or {}, now)))
            last = status.get("lastState") or {}
            if last:
                fields.append(("Last State", state_text(last, now)))
            fields.append(("Ready", str(bool(status.get("ready")))))
            fields.append(("Restarts", str(status.get("restartCount") or 0)))
        resources = container.get("resources") or {}
        if resources.get("requests"):
            fields.append(("Requests", mapping_text(resources["requests"])))
        if resources.get("limits"):
            fields.append(("Limits", mapping_text(resources["limits"])))
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            if container.get(probe):
                fields.append((probe.removesuffix("Probe").capitalize(), probe_text(container[probe])))
        if container.get("env"):
            fields.append(("Environment", env_text(container["env"])))
        elif container.get("envCount"):
            fields.append(("Environment", f"{container['envCount']} variables"))
        lines += field_lines(fields, indent + 2)
    return lines


def state_text(state: dict[str, Any], now: datetime) -> str:
    """``Running (since 1h ago)``, ``Waiting (CrashLoopBackOff: back-off 5m...)``, ``Terminated (...)``."""
    if "running" in state:
        return f"Running (started {humanize_age((state['running'] or {}).get('startedAt'), now)} ago)"
    if "waiting" in state:
        waiting = state["waiting"] or {}
        detail = ": ".join(str(waiting[k]) for k in ("reason", "message") if waiting.get(k))
        return f"Waiting ({clip(detail)})" if detail else "Waiting"
    if "terminated" in state:
        terminated = state["terminated"] or {}
        parts = [str(terminated.get("reason") or "Terminated"), f"exit code {terminated.get('exitCode', 0)}"]
        if terminated.get("signal"):
            parts.append(f"signal {terminated['signal']}")
        if terminated.get("finishedAt"):
            parts.append(f"finished {humanize_age(terminated['finishedAt'], now)} ago")
        if terminated.get("message"):
            parts.append(clip(terminated["message"]))
        return f"Terminated ({', '.join(parts)})"
    return NONE


def probe_text(probe: dict[str, Any]) -> str:
    """``http-get :8080/healthz delay=5s timeout=1s period=10s #success=1 #failure=3``, like kubectl."""
    if "httpGet" in probe:
        get = probe["httpGet"]
        action = f"http-get {str(get.get('scheme') or 'HTTP').lower()}://{get.get('host', '')}:{get.get('port')}{get.get('path', '')}"
    elif "tcpSocket" in probe:
        action = f"tcp-socket :{probe['tcpSocket'].get('port')}"
    elif "exec" in probe:
        action = "exec [" + " ".join(str(c) for c in probe["exec"].get("command") or []) + "]"
    elif "grpc" in probe:
        action = f"grpc :{probe['grpc'].get('port')}"
    else:
        action = "unknown"
    timing = (
        f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
        f"period={probe.get('periodSeconds', 10)}s #success={probe.get('successThreshold', 1)} "
        f"#failure={probe.get('failureThreshold', 3)}"
    )
    return f"{action} {timing}"


def env_text(env: list[dict[str, Any]]) -> str:
    """Up to eight variables, one per line; references shown as references, never resolved."""
    lines = []
    for variable in env[:ENV_SHOWN]:
        source = variable.get("valueFrom") or {}
        if "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            lines.append(f"{variable.get('name')} <secret {ref.get('name')} key {ref.get('key')}>")
        elif "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            lines.append(f"{variable.get('name')} <configmap {ref.get('name')} key {ref.get('key')}>")
        elif "fieldRef" in source:
            lines.append(f"{variable.get('name')} <field {source['fieldRef'].get('fieldPath')}>")
        elif source:
            lines.append(f"{variable.get('name')} <{next(iter(source))}>")
        else:
            lines.append(f"{variable.get('name')}={clip(variable.get('value', ''), 80)}")
    if len(env) > ENV_SHOWN:
        lines.append(f"… {len(env) - ENV_SHOWN} more")
    return "\n".join(lines)


def conditions_lines(conditions: list[dict[str, Any]]) -> list[str]:
    """A ``Conditions:`` table (TYPE STATUS, then REASON and MESSAGE when any condition has them)."""
    if not conditions:
        return ["Conditions:  <none>"]
    headers = ["TYPE", "STATUS"]
    optional = [field for field in ("reason", "message") if any(c.get(field) for c in conditions)]
    headers += [field.upper() for field in optional]
    rows = [
        [str(c.get("type") or ""), str(c.get("status") or "")] + [clip(c.get(field) or "") for field in optional]
        for c in conditions
    ]
    return ["Conditions:", *indent_block(layout_table(headers, rows), 2)]


def volumes_text(volumes: list[dict[str, Any]]) -> str:
    """``config (configMap web-config), data (persistentVolumeClaim data-0), tmp (emptyDir)``."""
    described = []
    for volume in volumes:
        kind = next((key for key in volume if key != "name"), "unknown")
        value = volume.get(kind)
        source: dict[str, Any] = value if isinstance(value, dict) else {}
        reference = next((str(source[key]) for key in VOLUME_SOURCE_NAMES if source.get(key)), "")
        described.append(f"{volume.get('name')} ({kind}{' ' + reference if reference else ''})")
    return ", ".join(described) or NONE
