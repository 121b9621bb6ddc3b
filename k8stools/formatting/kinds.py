"""Kind names as callers pass them (``Pod``, ``pods``, ``po``, ``PodList``) reduced to one spelling."""

from __future__ import annotations

# The built-in kinds the formatting knows by name, lower-case.
BUILTIN_KINDS = frozenset(
    {
        "pod",
        "deployment",
        "replicaset",
        "statefulset",
        "daemonset",
        "job",
        "cronjob",
        "horizontalpodautoscaler",
        "service",
        "ingress",
        "endpoints",
        "networkpolicy",
        "node",
        "namespace",
        "persistentvolume",
        "persistentvolumeclaim",
        "storageclass",
        "poddisruptionbudget",
        "configmap",
        "secret",
        "serviceaccount",
        "role",
        "clusterrole",
        "rolebinding",
        "clusterrolebinding",
        "customresourcedefinition",
        "event",
    }
)

# kubectl's short names, so a caller passing what the user typed still gets the right columns.
SHORT_NAMES = {
    "po": "pod",
    "deploy": "deployment",
    "rs": "replicaset",
    "sts": "statefulset",
    "ds": "daemonset",
    "cj": "cronjob",
    "hpa": "horizontalpodautoscaler",
    "svc": "service",
    "ing": "ingress",
    "ep": "endpoints",
    "netpol": "networkpolicy",
    "no": "node",
    "ns": "namespace",
    "pv": "persistentvolume",
    "pvc": "persistentvolumeclaim",
    "sc": "storageclass",
    "pdb": "poddisruptionbudget",
    "cm": "configmap",
    "sa": "serviceaccount",
    "crd": "customresourcedefinition",
    "crds": "customresourcedefinition",
    "ev": "event",
}


def canonical_kind(kind: str) -> str:
    """The lower-case singular kind for a built-in kind in any spelling; other kinds just lower-cased."""
    lowered = kind.lower()
    lowered = SHORT_NAMES.get(lowered, lowered)
    candidates = [lowered, lowered.removesuffix("list")]
    if lowered.endswith("ies"):
        candidates.append(lowered[:-3] + "y")
    candidates += [lowered.removesuffix("es"), lowered.removesuffix("s")]
    return next((candidate for candidate in candidates if candidate in BUILTIN_KINDS), lowered)
