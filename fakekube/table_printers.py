"""Table columns of the kinds beyond workloads that `kubectl get` shows with their own printers (the real
server's `pkg/printers/internalversion`): cron jobs, ingresses, volumes and claims, service accounts,
endpoints and endpoint slices, autoscalers, storage classes, RBAC bindings, disruption budgets, network
policies and leases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .subresources import selector_string

Row = list[Any]
Column = tuple[str, str, int]  # name, type, priority
Printer = tuple[list[Column], Callable[[dict[str, Any]], Row]]


def _since(stamp: str | None) -> str:
    from .tables import age  # the one duration format; `tables` imports this module, so import it late

    return age(stamp)


def _age(obj: dict[str, Any]) -> str:
    return _since(obj["metadata"].get("creationTimestamp"))


def _spec(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("spec") or {}


def _status(obj: dict[str, Any]) -> dict[str, Any]:
    return obj.get("status") or {}


def _access_modes(modes: list[str] | None) -> str:
    short = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    return ",".join(short.get(mode, mode) for mode in modes or [])


def _cronjob(obj: dict[str, Any]) -> Row:
    spec, status = _spec(obj), _status(obj)
    last = status.get("lastScheduleTime")
    return [
        obj["metadata"]["name"],
        spec.get("schedule", ""),
        spec.get("timeZone") or "<none>",
        "True" if spec.get("suspend") else "False",
        len(status.get("active") or []),
        _since(last) if last else "<none>",
        _age(obj),
    ]


def _ingress(obj: dict[str, Any]) -> Row:
    spec = _spec(obj)
    hosts = [rule.get("host") for rule in spec.get("rules") or [] if rule.get("host")]
    ingress = ((_status(obj).get("loadBalancer") or {}).get("ingress")) or []
    address = ",".join(item.get("ip") or item.get("hostname", "") for item in ingress)
    return [
        obj["metadata"]["name"],
        spec.get("ingressClassName") or "<none>",
        ",".join(hosts) or "*",
        address,
        "80, 443" if spec.get("tls") else "80",
        _age(obj),
    ]


def _claim(obj: dict[str, Any]) -> Row:
    spec, status = _spec(obj), _status(obj)
    bound = status.get("phase") == "Bound"
    return [
        obj["metadata"]["name"],
        status.get("phase", "Pending"),
        spec.get("volumeName", ""),
        (status.get("capacity") or {}).get("storage", "") if bound else "",
        _access_modes(status.get("accessModes")) if bound else "",
        spec.get("storageClassName") or "<unset>",
        spec.get("volumeAttributesClassName") or "<unset>",
        _age(obj),
        spec.get("volumeMode", "Filesystem"),
    ]


def _volume(obj: dict[str, Any]) -> Row:
    spec, status = _spec(obj), _status(obj)
    claim = spec.get("claimRef") or {}
    return [
        obj["metadata"]["name"],
        (spec.get("capacity") or {}).get("storage", ""),
        _access_modes(spec.get("accessModes")),
        spec.get("persistentVolumeReclaimPolicy", "Retain"),
        status.get("phase", "Pending"),
        f"{claim.get('namespace')}/{claim.get('name')}" if claim else "",
        spec.get("storageClassName", ""),
        spec.get("volumeAttributesClassName") or "<unset>",
        status.get("reason", ""),
        _age(obj),
        spec.get("volumeMode", "Filesystem"),
    ]


def _endpoints(obj: dict[str, Any]) -> Row:
    addresses = [
        f"{address.get('ip')}:{port.get('port')}"
        for subset in obj.get("subsets") or []
        for address in subset.get("addresses") or []
        for port in subset.get("ports") or [{}]
    ]
    shown = ",".join(addresses[:3]) + (f" + {len(addresses) - 3} more..." if len(addresses) > 3 else "")
    return [obj["metadata"]["name"], shown or "<none>", _age(obj)]


def _endpoint_slice(obj: dict[str, Any]) -> Row:
    ports = [str(port["port"]) if port.get("port") is not None else "<unset>" for port in obj.get("ports") or []]
    addresses = [address for endpoint in obj.get("endpoints") or [] for address in endpoint.get("addresses") or []]
    shown = ",".join(addresses[:3]) + (f" + {len(addresses) - 3} more..." if len(addresses) > 3 else "")
    return [
        obj["metadata"]["name"],
        obj.get("addressType", ""),
        ",".join(ports) or "<unset>",
        shown or "<unset>",
        _age(obj),
    ]


def _autoscaler(obj: dict[str, Any]) -> Row:
    spec, status = _spec(obj), _status(obj)
    target = spec.get("scaleTargetRef") or {}
    return [
        obj["metadata"]["name"],
        f"{target.get('kind', '')}/{target.get('name', '')}",
        "<unknown>" if not status.get("currentMetrics") else f"{len(status['currentMetrics'])} metrics",
        spec.get("minReplicas", 1),
        spec.get("maxReplicas", 0),
        status.get("currentReplicas", 0),
        _age(obj),
    ]


def _storage_class(obj: dict[str, Any]) -> Row:
    default = (obj["metadata"].get("annotations") or {}).get("storageclass.kubernetes.io/is-default-class")
    return [
        f"{obj['metadata']['name']} (default)" if default == "true" else obj["metadata"]["name"],
        obj.get("provisioner", ""),
        obj.get("reclaimPolicy", "Delete"),
        obj.get("volumeBindingMode", "Immediate"),
        "true" if obj.get("allowVolumeExpansion") else "false",
        _age(obj),
    ]


def _binding(obj: dict[str, Any]) -> Row:
    role = obj.get("roleRef") or {}
    subjects = obj.get("subjects") or []

    def named(kind: str) -> str:
        return ", ".join(
            (f"{s.get('namespace')}/{s.get('name')}" if kind == "ServiceAccount" else str(s.get("name")))
            for s in subjects
            if s.get("kind") == kind
        )

    return [
        obj["metadata"]["name"],
        f"{role.get('kind', '')}/{role.get('name', '')}",
        _age(obj),
        named("User"),
        named("Group"),
        named("ServiceAccount"),
    ]


def _budget(obj: dict[str, Any]) -> Row:
    spec = _spec(obj)
    return [
        obj["metadata"]["name"],
        spec.get("minAvailable", "N/A"),
        spec.get("maxUnavailable", "N/A"),
        _status(obj).get("disruptionsAllowed", 0),
        _age(obj),
    ]


def _network_policy(obj: dict[str, Any]) -> Row:
    selector = _spec(obj).get("podSelector") or {}
    return [obj["metadata"]["name"], selector_string(selector) or "<none>", _age(obj)]


def _lease(obj: dict[str, Any]) -> Row:
    return [obj["metadata"]["name"], _spec(obj).get("holderIdentity", ""), _age(obj)]


def _service_account(obj: dict[str, Any]) -> Row:
    return [obj["metadata"]["name"], len(obj.get("secrets") or []), _age(obj)]


_BINDING_COLUMNS: list[Column] = [
    ("Name", "string", 0),
    ("Role", "string", 0),
    ("Age", "string", 0),
    ("Users", "string", 1),
    ("Groups", "string", 1),
    ("ServiceAccounts", "string", 1),
]

PRINTERS: dict[tuple[str, str], Printer] = {
    ("batch", "cronjobs"): (
        [
            ("Name", "string", 0),
            ("Schedule", "string", 0),
            ("Timezone", "string", 0),
            ("Suspend", "boolean", 0),
            ("Active", "integer", 0),
            ("Last Schedule", "string", 0),
            ("Age", "string", 0),
        ],
        _cronjob,
    ),
    ("networking.k8s.io", "ingresses"): (
        [
            ("Name", "string", 0),
            ("Class", "string", 0),
            ("Hosts", "string", 0),
            ("Address", "string", 0),
            ("Ports", "string", 0),
            ("Age", "string", 0),
        ],
        _ingress,
    ),
    ("", "persistentvolumeclaims"): (
        [
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Volume", "string", 0),
            ("Capacity", "string", 0),
            ("Access Modes", "string", 0),
            ("StorageClass", "string", 0),
            ("VolumeAttributesClass", "string", 0),
            ("Age", "string", 0),
            ("VolumeMode", "string", 1),
        ],
        _claim,
    ),
    ("", "persistentvolumes"): (
        [
            ("Name", "string", 0),
            ("Capacity", "string", 0),
            ("Access Modes", "string", 0),
            ("Reclaim Policy", "string", 0),
            ("Status", "string", 0),
            ("Claim", "string", 0),
            ("StorageClass", "string", 0),
            ("VolumeAttributesClass", "string", 0),
            ("Reason", "string", 0),
            ("Age", "string", 0),
            ("VolumeMode", "string", 1),
        ],
        _volume,
    ),
    ("", "serviceaccounts"): (
        [("Name", "string", 0), ("Secrets", "string", 0), ("Age", "string", 0)],
        _service_account,
    ),
    ("", "endpoints"): ([("Name", "string", 0), ("Endpoints", "string", 0), ("Age", "string", 0)], _endpoints),
    ("discovery.k8s.io", "endpointslices"): (
        [
            ("Name", "string", 0),
            ("AddressType", "string", 0),
            ("Ports", "string", 0),
            ("Endpoints", "string", 0),
            ("Age", "string", 0),
        ],
        _endpoint_slice,
    ),
    ("autoscaling", "horizontalpodautoscalers"): (
        [
            ("Name", "string", 0),
            ("Reference", "string", 0),
            ("Targets", "string", 0),
            ("MinPods", "string", 0),
            ("MaxPods", "string", 0),
            ("Replicas", "string", 0),
            ("Age", "string", 0),
        ],
        _autoscaler,
    ),
    ("storage.k8s.io", "storageclasses"): (
        [
            ("Name", "string", 0),
            ("Provisioner", "string", 0),
            ("ReclaimPolicy", "string", 0),
            ("VolumeBindingMode", "string", 0),
            ("AllowVolumeExpansion", "string", 0),
            ("Age", "string", 0),
        ],
        _storage_class,
    ),
    ("rbac.authorization.k8s.io", "rolebindings"): (_BINDING_COLUMNS, _binding),
    ("rbac.authorization.k8s.io", "clusterrolebindings"): (_BINDING_COLUMNS, _binding),
    ("policy", "poddisruptionbudgets"): (
        [
            ("Name", "string", 0),
            ("Min Available", "string", 0),
            ("Max Unavailable", "string", 0),
            ("Allowed Disruptions", "integer", 0),
            ("Age", "string", 0),
        ],
        _budget,
    ),
    ("networking.k8s.io", "networkpolicies"): (
        [("Name", "string", 0), ("Pod-Selector", "string", 0), ("Age", "string", 0)],
        _network_policy,
    ),
    ("coordination.k8s.io", "leases"): ([("Name", "string", 0), ("Holder", "string", 0), ("Age", "string", 0)], _lease),
}
