"""Table columns for Services, Ingresses, Endpoints and NetworkPolicies, as ``kubectl get`` prints them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .columns import NONE, KindColumns, age_of, kind_columns, name_of
from .labels import format_labels, format_selector

# kubectl shows three hosts or endpoints, then "+ N more...".
SHOWN_ENTRIES = 3


def service_row(service: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE; wide adds SELECTOR."""
    spec = service.get("spec") or {}
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    cells = [
        name_of(service),
        str(spec.get("type") or "ClusterIP"),
        str(cluster_ips[0]) if cluster_ips else NONE,
        service_external_ip(service),
        service_ports(spec.get("ports") or []) or NONE,
        age_of(service, now),
    ]
    if wide:
        cells.append(format_labels(spec.get("selector")))
    return cells


def service_external_ip(service: dict[str, Any]) -> str:
    """The EXTERNAL-IP column: external IPs, load-balancer ingress, ``<pending>`` or the external name."""
    spec = service.get("spec") or {}
    service_type = spec.get("type") or "ClusterIP"
    external_ips = [str(ip) for ip in spec.get("externalIPs") or []]
    if service_type in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) or NONE
    if service_type == "LoadBalancer":
        ingress = load_balancer_addresses((service.get("status") or {}).get("loadBalancer"))
        return ",".join(ingress + external_ips) or "<pending>"
    if service_type == "ExternalName":
        return str(spec.get("externalName") or NONE)
    return "<unknown>"


def load_balancer_addresses(load_balancer: dict[str, Any] | None) -> list[str]:
    """The IPs and host names of a load balancer's ingress points."""
    addresses = []
    for ingress in (load_balancer or {}).get("ingress") or []:
        address = ingress.get("ip") or ingress.get("hostname")
        if address:
            addresses.append(str(address))
    return addresses


def service_ports(ports: list[dict[str, Any]]) -> str:
    """``80/TCP,443:30443/TCP`` (port, node port when set, protocol)."""
    pieces = []
    for port in ports:
        protocol = port.get("protocol") or "TCP"
        if port.get("nodePort"):
            pieces.append(f"{port.get('port')}:{port['nodePort']}/{protocol}")
        else:
            pieces.append(f"{port.get('port')}/{protocol}")
    return ",".join(pieces)


def ingress_row(ingress: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME CLASS HOSTS ADDRESS PORTS AGE."""
    spec = ingress.get("spec") or {}
    return [
        name_of(ingress),
        str(spec.get("ingressClassName") or NONE),
        ingress_hosts(spec.get("rules") or []),
        ",".join(load_balancer_addresses((ingress.get("status") or {}).get("loadBalancer"))) or NONE,
        "80, 443" if spec.get("tls") else "80",
        age_of(ingress, now),
    ]


def ingress_hosts(rules: list[dict[str, Any]]) -> str:
    """The HOSTS column: up to three rule hosts, ``*`` when no rule names a host."""
    hosts: list[str] = []
    more = False
    for rule in rules:
        more = more or len(hosts) == SHOWN_ENTRIES
        if not more and rule.get("host"):
            hosts.append(str(rule["host"]))
    if not hosts:
        return "*"
    text = ",".join(hosts)
    if more:
        text += f" + {len(rules) - SHOWN_ENTRIES} more..."
    return text


def endpoints_row(endpoints: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME ENDPOINTS AGE."""
    return [name_of(endpoints), endpoint_addresses(endpoints), age_of(endpoints, now)]


def endpoint_addresses(endpoints: dict[str, Any]) -> str:
    """``10.0.0.1:8080,10.0.0.2:8080 + 3 more...``, or ``<none>`` (kubectl's ``formatEndpoints``)."""
    shown: list[str] = []
    total = 0
    for subset in endpoints.get("subsets") or []:
        addresses = [str(a.get("ip", "")) for a in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        if not ports:
            total += len(addresses)
            shown += addresses[: max(0, SHOWN_ENTRIES - len(shown))]
            continue
        for port in ports:
            total += len(addresses)
            for address in addresses:
                if len(shown) == SHOWN_ENTRIES:
                    break
                host = f"[{address}]" if ":" in address else address
                shown.append(f"{host}:{port.get('port')}")
    if not shown:
        return NONE
    text = ",".join(shown)
    if total > len(shown):
        text += f" + {total - len(shown)} more..."
    return text


def network_policy_row(policy: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME POD-SELECTOR AGE."""
    selector = (policy.get("spec") or {}).get("podSelector")
    return [name_of(policy), format_selector(selector), age_of(policy, now)]


NETWORK_COLUMNS: dict[str, KindColumns] = {
    "service": kind_columns("NAME,TYPE,CLUSTER-IP,EXTERNAL-IP,PORT(S),AGE", service_row, wide_extra="SELECTOR"),
    "ingress": kind_columns("NAME,CLASS,HOSTS,ADDRESS,PORTS,AGE", ingress_row),
    "endpoints": kind_columns("NAME,ENDPOINTS,AGE", endpoints_row),
    "networkpolicy": kind_columns("NAME,POD-SELECTOR,AGE", network_policy_row),
}
