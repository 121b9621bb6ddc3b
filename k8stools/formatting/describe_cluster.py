"""``describe`` sections for Services, Nodes and Secrets."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from .cluster_columns import node_roles
from .columns import NONE
from .describe_pods import conditions_lines
from .describe_text import Field, field_lines, mapping_text
from .labels import format_labels
from .network_columns import endpoint_addresses, service_external_ip
from .secrets import REDACTED

TERMINAL_PHASES = ("Succeeded", "Failed")


def describe_service(service: dict[str, Any], now: datetime, related: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Type, IPs, ports with target and node ports, selector, session affinity and endpoints."""
    spec = service.get("spec") or {}
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    fields: list[Field] = [
        ("Type", str(spec.get("type") or "ClusterIP")),
        ("IP", ",".join(str(ip) for ip in ips) or NONE),
        ("External IP", service_external_ip(service)),
        ("Ports", "\n".join(_port_text(port) for port in spec.get("ports") or []) or NONE),
        ("Selector", format_labels(spec.get("selector"))),
    ]
    if spec.get("sessionAffinity") and spec["sessionAffinity"] != "None":
        fields.append(("Session Affinity", str(spec["sessionAffinity"])))
    if spec.get("externalTrafficPolicy"):
        fields.append(("External Traffic Policy", str(spec["externalTrafficPolicy"])))
    endpoints = related.get("Endpoints")
    slices = related.get("EndpointSlices")
    if endpoints is not None:
        fields.append(("Endpoints", ", ".join(endpoint_addresses(e) for e in endpoints) or NONE))
    elif slices is not None:
        fields.append(("Endpoints", _slice_addresses(slices)))
    return field_lines(fields)


def _port_text(port: dict[str, Any]) -> str:
    text = f"{port.get('port')}/{port.get('protocol') or 'TCP'}"
    if port.get("name"):
        text = f"{port['name']} {text}"
    if port.get("targetPort") is not None:
        text += f" -> {port['targetPort']}"
    if port.get("nodePort"):
        text += f" (node port {port['nodePort']})"
    return text


def _slice_addresses(slices: list[dict[str, Any]]) -> str:
    addresses = []
    for endpoint_slice in slices:
        ports = [p.get("port") for p in endpoint_slice.get("ports") or []] or [None]
        for endpoint in endpoint_slice.get("endpoints") or []:
            ready = (endpoint.get("conditions") or {}).get("ready", True)
            for address in endpoint.get("addresses") or []:
                for port in ports:
                    shown = f"{address}:{port}" if port is not None else str(address)
                    addresses.append(shown if ready else f"{shown} (not ready)")
    return ", ".join(addresses) or NONE


def describe_node(node: dict[str, Any], now: datetime, related: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Roles, taints, conditions, addresses, capacity, allocatable, system info and pod count."""
    spec = node.get("spec") or {}
    status = node.get("status") or {}
    info = status.get("nodeInfo") or {}
    taints = [
        f"{t.get('key')}{'=' + str(t['value']) if t.get('value') else ''}:{t.get('effect')}"
        for t in spec.get("taints") or []
    ]
    fields: list[Field] = [
        ("Roles", ",".join(node_roles(node)) or NONE),
        ("Unschedulable", str(bool(spec.get("unschedulable")))),
        ("Taints", "\n".join(taints) or NONE),
    ]
    lines = field_lines(fields)
    lines += conditions_lines(status.get("conditions") or [])
    addresses = ", ".join(f"{a.get('type')}={a.get('address')}" for a in status.get("addresses") or [])
    system = ", ".join(
        f"{label} {info[key]}"
        for label, key in (
            ("kubelet", "kubeletVersion"),
            ("OS", "osImage"),
            ("kernel", "kernelVersion"),
            ("runtime", "containerRuntimeVersion"),
            ("arch", "architecture"),
        )
        if info.get(key)
    )
    more: list[Field] = [
        ("Addresses", addresses or NONE),
        ("Capacity", mapping_text(status.get("capacity"))),
        ("Allocatable", mapping_text(status.get("allocatable"))),
        ("System Info", system or NONE),
    ]
    if spec.get("podCIDR"):
        more.append(("PodCIDR", str(spec["podCIDR"])))
    if "Pods" in related:
        running = [p for p in related["Pods"] if (p.get("status") or {}).get("phase") not in TERMINAL_PHASES]
        more.append(("Non-terminated Pods", str(len(running))))
    return lines + field_lines(more)


def describe_secret(secret: dict[str, Any], now: datetime, related: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Type and the size of each key, as kubectl shows them; the values never appear."""
    lines = field_lines([("Type", str(secret.get("type") or "Opaque"))])
    data = secret.get("data") or {}
    lines.append("Data:" if data else "Data:  <none>")
    lines += field_lines([(key, _size_text(value)) for key, value in data.items()], 2)
    return lines


def _size_text(encoded: Any) -> str:
    if not isinstance(encoded, str) or encoded == REDACTED:
        return "<redacted>"
    try:
        return f"{len(base64.b64decode(encoded, validate=True))} bytes"
    except (binascii.Error, ValueError):
        return "<redacted>"
