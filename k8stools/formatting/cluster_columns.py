"""Table columns for nodes, namespaces, storage, disruption budgets, configuration, RBAC and CRDs, as kubectl prints them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .columns import NONE, KindColumns, age_of, created_at, kind_columns, metadata, name_of

NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
NODE_ROLE_LABEL = "kubernetes.io/role"
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)
ACCESS_MODE_NAMES = (
    ("ReadWriteOnce", "RWO"),
    ("ReadOnlyMany", "ROX"),
    ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)


def node_status(node: dict[str, Any]) -> str:
    """``Ready``, ``NotReady`` or ``Unknown``, with ``,SchedulingDisabled`` when cordoned."""
    states = []
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            states = ["Ready" if condition.get("status") == "True" else "NotReady"]
    if not states:
        states = ["Unknown"]
    if (node.get("spec") or {}).get("unschedulable"):
        states.append("SchedulingDisabled")
    return ",".join(states)


def node_roles(node: dict[str, Any]) -> list[str]:
    """Roles from ``node-role.kubernetes.io/<role>`` and ``kubernetes.io/role`` labels, sorted."""
    roles = set()
    for key, value in (metadata(node).get("labels") or {}).items():
        if key.startswith(NODE_ROLE_PREFIX) and key[len(NODE_ROLE_PREFIX) :]:
            roles.add(key[len(NODE_ROLE_PREFIX) :])
        elif key == NODE_ROLE_LABEL and value:
            roles.add(str(value))
    return sorted(roles)


def node_address(node: dict[str, Any], address_type: str) -> str:
    """The node's first address of ``address_type`` (``InternalIP``, ``ExternalIP``), or ``<none>``."""
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == address_type:
            return str(address.get("address"))
    return NONE


def node_row(node: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME STATUS ROLES AGE VERSION; wide adds INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME."""
    info = (node.get("status") or {}).get("nodeInfo") or {}
    cells = [
        name_of(node),
        node_status(node),
        ",".join(node_roles(node)) or NONE,
        age_of(node, now),
        str(info.get("kubeletVersion") or ""),
    ]
    if wide:
        cells += [
            node_address(node, "InternalIP"),
            node_address(node, "ExternalIP"),
            str(info.get("osImage") or "<unknown>"),
            str(info.get("kernelVersion") or "<unknown>"),
            str(info.get("containerRuntimeVersion") or "<unknown>"),
        ]
    return cells


def namespace_row(namespace: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME STATUS AGE."""
    return [name_of(namespace), str((namespace.get("status") or {}).get("phase") or ""), age_of(namespace, now)]


def access_modes(modes: list[str] | None) -> str:
    """``RWO,ROX,RWX,RWOP`` in kubectl's fixed order."""
    present = set(modes or [])
    return ",".join(short for mode, short in ACCESS_MODE_NAMES if mode in present)


def storage_class(obj: dict[str, Any]) -> str:
    """The storage class of a PV or PVC, from the spec or the beta annotation."""
    annotations = metadata(obj).get("annotations") or {}
    return str(
        (obj.get("spec") or {}).get("storageClassName")
        or annotations.get("volume.beta.kubernetes.io/storage-class")
        or ""
    )


def pvc_row(claim: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME STATUS VOLUME CAPACITY ACCESS MODES STORAGECLASS AGE; wide adds VOLUMEMODE."""
    spec = claim.get("spec") or {}
    status = claim.get("status") or {}
    phase = "Terminating" if metadata(claim).get("deletionTimestamp") else str(status.get("phase") or "")
    capacity = modes = ""
    if spec.get("volumeName"):
        capacity = str((status.get("capacity") or {}).get("storage") or "")
        modes = access_modes(status.get("accessModes"))
    cells = [
        name_of(claim),
        phase,
        str(spec.get("volumeName") or ""),
        capacity,
        modes,
        storage_class(claim),
        age_of(claim, now),
    ]
    if wide:
        cells.append(str(spec.get("volumeMode") or "<unset>"))
    return cells


def pv_row(volume: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS REASON AGE; wide adds VOLUMEMODE."""
    spec = volume.get("spec") or {}
    status = volume.get("status") or {}
    claim_ref = spec.get("claimRef") or {}
    claim = f"{claim_ref.get('namespace', '')}/{claim_ref.get('name', '')}" if claim_ref else ""
    phase = "Terminating" if metadata(volume).get("deletionTimestamp") else str(status.get("phase") or "")
    cells = [
        name_of(volume),
        str((spec.get("capacity") or {}).get("storage") or ""),
        access_modes(spec.get("accessModes")),
        str(spec.get("persistentVolumeReclaimPolicy") or ""),
        phase,
        claim,
        storage_class(volume),
        str(status.get("reason") or ""),
        age_of(volume, now),
    ]
    if wide:
        cells.append(str(spec.get("volumeMode") or "<unset>"))
    return cells


def storage_class_row(storage: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE; the default class says so."""
    annotations = metadata(storage).get("annotations") or {}
    default = any(annotations.get(key) == "true" for key in DEFAULT_CLASS_ANNOTATIONS)
    return [
        name_of(storage) + (" (default)" if default else ""),
        str(storage.get("provisioner") or ""),
        str(storage.get("reclaimPolicy") or "Delete"),
        str(storage.get("volumeBindingMode") or "Immediate"),
        str(bool(storage.get("allowVolumeExpansion"))).lower(),
        age_of(storage, now),
    ]


def disruption_budget_row(budget: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE."""
    spec = budget.get("spec") or {}
    return [
        name_of(budget),
        str(spec.get("minAvailable", "N/A")),
        str(spec.get("maxUnavailable", "N/A")),
        str((budget.get("status") or {}).get("disruptionsAllowed") or 0),
        age_of(budget, now),
    ]


def configmap_row(configmap: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME DATA AGE (text and binary keys)."""
    keys = len(configmap.get("data") or {}) + len(configmap.get("binaryData") or {})
    return [name_of(configmap), str(keys), age_of(configmap, now)]


def secret_row(secret: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME TYPE DATA AGE; only the number of keys, never a value."""
    keys = set(secret.get("data") or {}) | set(secret.get("stringData") or {})
    return [name_of(secret), str(secret.get("type") or "Opaque"), str(len(keys)), age_of(secret, now)]


def service_account_row(account: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME SECRETS AGE."""
    return [name_of(account), str(len(account.get("secrets") or [])), age_of(account, now)]


def created_at_row(obj: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME CREATED AT, as kubectl prints roles, cluster roles and CRDs."""
    return [name_of(obj), created_at(obj)]


def binding_row(binding: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME ROLE AGE; wide adds USERS GROUPS SERVICEACCOUNTS."""
    role_ref = binding.get("roleRef") or {}
    cells = [name_of(binding), f"{role_ref.get('kind', '')}/{role_ref.get('name', '')}", age_of(binding, now)]
    if wide:
        subjects = binding.get("subjects") or []
        users = [str(s.get("name")) for s in subjects if s.get("kind") == "User"]
        groups = [str(s.get("name")) for s in subjects if s.get("kind") == "Group"]
        accounts = [f"{s.get('namespace', '')}/{s.get('name')}" for s in subjects if s.get("kind") == "ServiceAccount"]
        cells += [", ".join(users), ", ".join(groups), ", ".join(accounts)]
    return cells


BINDING_WIDE_COLUMNS = "USERS,GROUPS,SERVICEACCOUNTS"

CLUSTER_COLUMNS: dict[str, KindColumns] = {
    "node": kind_columns(
        "NAME,STATUS,ROLES,AGE,VERSION",
        node_row,
        wide_extra="INTERNAL-IP,EXTERNAL-IP,OS-IMAGE,KERNEL-VERSION,CONTAINER-RUNTIME",
    ),
    "namespace": kind_columns("NAME,STATUS,AGE", namespace_row),
    "persistentvolumeclaim": kind_columns(
        "NAME,STATUS,VOLUME,CAPACITY,ACCESS MODES,STORAGECLASS,AGE", pvc_row, wide_extra="VOLUMEMODE"
    ),
    "persistentvolume": kind_columns(
        "NAME,CAPACITY,ACCESS MODES,RECLAIM POLICY,STATUS,CLAIM,STORAGECLASS,REASON,AGE",
        pv_row,
        wide_extra="VOLUMEMODE",
    ),
    "storageclass": kind_columns(
        "NAME,PROVISIONER,RECLAIMPOLICY,VOLUMEBINDINGMODE,ALLOWVOLUMEEXPANSION,AGE", storage_class_row
    ),
    "poddisruptionbudget": kind_columns(
        "NAME,MIN AVAILABLE,MAX UNAVAILABLE,ALLOWED DISRUPTIONS,AGE", disruption_budget_row
    ),
    "configmap": kind_columns("NAME,DATA,AGE", configmap_row),
    "secret": kind_columns("NAME,TYPE,DATA,AGE", secret_row),
    "serviceaccount": kind_columns("NAME,SECRETS,AGE", service_account_row),
    "role": kind_columns("NAME,CREATED AT", created_at_row),
    "clusterrole": kind_columns("NAME,CREATED AT", created_at_row),
    "customresourcedefinition": kind_columns("NAME,CREATED AT", created_at_row),
    "rolebinding": kind_columns("NAME,ROLE,AGE", binding_row, wide_extra=BINDING_WIDE_COLUMNS),
    "clusterrolebinding": kind_columns("NAME,ROLE,AGE", binding_row, wide_extra=BINDING_WIDE_COLUMNS),
}
