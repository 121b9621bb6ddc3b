"""Port-forward tools: forward local ports of the server's host to a pod, list and stop sessions.

All four are gated like upstream: hidden and refused when the policy forbids `port-forward`, and
absent in in-cluster mode unless PORT_FORWARD_IN_CLUSTER is set. The session list is gated too: when
an operator withdraws port-forward, every worker stops its sessions within PORT_FORWARD_CHECK_SECONDS
(the reason is recorded), so there is nothing live left to list, and a default tool list stays short.
"""

from __future__ import annotations

import json
import socket
from typing import Annotated, Any, Literal

from django.conf import settings
from pydantic import Field

from k8stools.apirequest import PODS, SERVICES
from k8stools.models import PortForwardSession
from k8stools.portforward.ports import PortSpecError
from k8stools.portforward.targets import TargetError
from k8stools.portforward.workflows import (
    PortForwardError,
    StopResult,
    port_forward_list,
    port_forward_start,
    port_forward_stop,
    port_forward_stop_all,
)
from k8stools.tools.call import ToolCall
from k8stools.tools.errors import ToolInputError
from k8stools.tools.registry import kube_tool
from k8stools.tools.target import fixed_target

OPERATION = "port-forward"
# Listeners open in the server's pod in in-cluster mode, where nobody can reach them, unless allowed.
_KUBECONFIG_ONLY = not settings.PORT_FORWARD_IN_CLUSTER


def _compact(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(", ", ": "))


def _ports(session: PortForwardSession, address: str) -> list[dict[str, Any]]:
    return [
        {"local": f"{address}:{local}", "localPort": local, "remotePort": remote} for local, remote in session.ports
    ]


def _describe(session: PortForwardSession, *, owner: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "sessionId": str(session.pk),
        "status": session.status,
        "target": f"{session.target_kind}/{session.target_name}",
        "pod": session.pod_name,
        "namespace": session.namespace,
        "ports": [f"{local}->{remote}" for local, remote in session.ports],
        "created": session.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "connections": session.connections,
        "bytesIn": session.bytes_in,
        "bytesOut": session.bytes_out,
    }
    if owner:
        entry["owner"] = session.owner_name
    if session.context:
        entry["context"] = session.context
    if not session.is_live:
        entry["endedBy"] = session.stopped_by
    if session.last_error:
        entry["lastError"] = session.last_error
    return entry


@kube_tool(
    "port_forward",
    operation=OPERATION,
    title="Port-forward",
    read_only=False,
    alias=True,
    kubeconfig_only=_KUBECONFIG_ONLY,
)
def port_forward(
    call: ToolCall,
    namespace: Annotated[str, Field(description="Namespace of the pod or service")],
    ports: Annotated[
        list[str],
        Field(
            description='Ports to forward: "LOCAL:REMOTE" (such as "8080:80") or "REMOTE" alone for a free local port '
            '(also ":REMOTE" or "0:REMOTE"). REMOTE is a pod port, or for a service one of its ports; a port name '
            '("http") works too.',
            min_length=1,
        ),
    ],
    resourceType: Annotated[Literal["pod", "service"], Field(description="pod (default) or service")] = "pod",
    resourceName: Annotated[str | None, Field(description="Name of the pod or service")] = None,
    podName: Annotated[str | None, Field(description="[DEPRECATED] Use resourceName; the name of a pod")] = None,
) -> str:
    """Forward local TCP ports of the kubemcp server's host to a pod, or to a ready pod behind a service.

    Use it to reach a pod's port (a database, an admin page) from programs on the machine that runs kubemcp.
    The session stays open after this call until stopped (stop_port_forward_session), idle for a while, or its
    pod goes away; list_port_forward_sessions shows yours with traffic counters. The answer gives the bound
    local addresses (a free port when none was given). Not available in in-cluster mode unless the operator
    sets PORT_FORWARD_IN_CLUSTER=true: the ports would open inside the server's pod.
    """
    name = resourceName or podName
    if not name:
        raise ToolInputError("missing required argument 'resourceName' (the pod or service name)")
    kind = resourceType if resourceName else "pod"  # the deprecated podName always names a pod
    # Checked here, before any session row exists: the name and namespace are stored and shown.
    fixed_target(call, SERVICES if kind == "service" else PODS, name=name, namespace=namespace)
    try:
        session = port_forward_start(
            server=call.server,
            client=call.client(),
            caller=call.caller,
            namespace=namespace,
            resource_type=kind,
            resource_name=name,
            ports=ports,
        )
    except (PortSpecError, TargetError, PortForwardError) as error:
        raise ToolInputError(str(error)) from None
    address = settings.PORT_FORWARD_BIND_ADDRESS
    via = f" (pod {session.pod_name})" if kind == "service" else ""
    return _compact(
        {
            "sessionId": str(session.pk),
            "status": session.status,
            "target": f"{kind}/{name}{via}",
            "namespace": namespace,
            "ports": _ports(session, address),
            "host": socket.gethostname(),
            "instructions": f"Connect to the local addresses on the host that runs kubemcp ({socket.gethostname()}); "
            "each connection reaches the pod port. The session stays open until stop_port_forward_session "
            "(list_port_forward_sessions shows it).",
        }
    )


@kube_tool(
    "list_port_forward_sessions",
    operation=OPERATION,
    title="List port-forward sessions",
    read_only=True,
    idempotent=True,
    open_world=False,
    alias=True,
    kubeconfig_only=_KUBECONFIG_ONLY,
    takes_context=False,
)
def list_port_forward_sessions(
    call: ToolCall,
    includeEnded: Annotated[bool, Field(description="Also show recently ended sessions, with why they ended")] = False,
) -> str:
    """List your port-forward sessions (staff: everyone's): target, local->pod ports, traffic, and status."""
    sessions = port_forward_list(caller=call.caller, include_ended=includeEnded)
    if not sessions:
        return "No active port forwarding sessions." if not includeEnded else "No port forwarding sessions."
    lines = [f"{'Port forwarding sessions' if includeEnded else 'Active port forwarding sessions'} ({len(sessions)}):"]
    lines += [_compact(_describe(session, owner=call.caller.is_staff)) for session in sessions]
    return "\n".join(lines)


@kube_tool(
    "stop_port_forward_session",
    operation=OPERATION,
    title="Stop a port-forward session",
    read_only=False,
    destructive=True,
    open_world=False,
    alias=True,
    kubeconfig_only=_KUBECONFIG_ONLY,
    takes_context=False,
)
def stop_port_forward_session(
    call: ToolCall,
    sessionId: Annotated[str | None, Field(description="The session's id, as port_forward or the list gave it")] = None,
    sessionID: Annotated[str | None, Field(description="[DEPRECATED] Use sessionId")] = None,
) -> str:
    """Stop one of your port-forward sessions (staff: anyone's): its local ports close and it is marked stopped."""
    session_id = sessionId or sessionID
    if not session_id:
        raise ToolInputError("missing required argument 'sessionId' (list_port_forward_sessions shows the ids)")
    try:
        result = port_forward_stop(session_id=session_id, by=call.caller)
    except PortForwardError as error:
        raise ToolInputError(str(error)) from None
    return _stopped(result)


def _stopped(result: StopResult) -> str:
    session = result.session
    if result.already_ended:
        return f"Port forwarding session {session.pk} had already ended ({session.status}, by {session.stopped_by})."
    where = (
        "its local ports are closed"
        if result.listener_closed
        else (
            f"its worker {session.worker_id} closes the local ports at its next check "
            f"(within {settings.PORT_FORWARD_CHECK_SECONDS:g}s)"
        )
    )
    return f"Port forwarding session {session.pk} stopped successfully; {where}."


@kube_tool(
    "stop_all_port_forward_sessions",
    operation=OPERATION,
    title="Stop all port-forward sessions",
    read_only=False,
    destructive=True,
    idempotent=True,
    open_world=False,
    alias=True,
    kubeconfig_only=_KUBECONFIG_ONLY,
    takes_context=False,
)
def stop_all_port_forward_sessions(
    call: ToolCall,
    allUsers: Annotated[bool, Field(description="Staff only: stop every user's sessions, not just yours")] = False,
) -> str:
    """Stop all your port-forward sessions (staff with allUsers: everyone's)."""
    try:
        results = port_forward_stop_all(by=call.caller, all_users=allUsers)
    except PortForwardError as error:
        raise ToolInputError(str(error)) from None
    if not results:
        return "No active port forwarding sessions to stop."
    lines = [f"Stopped {len(results)} port forwarding session(s) successfully."]
    lines += [_stopped(result) for result in results]
    return "\n".join(lines)
