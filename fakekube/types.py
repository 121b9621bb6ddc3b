"""The resource types the fake serves: the built-in table, and types registered by CRDs.

Each `ResourceType` carries what discovery advertises (name, kind, verbs, short names,
categories, subresources) and what the REST layer needs to route a path to it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list", "watch")
# Subresources whose verbs mirror their parent's (get/patch/update), the rest are connect-style.
STATUS_VERBS = ("get", "patch", "update")


@dataclass(frozen=True)
class Subresource:
    name: str
    kind: str
    verbs: tuple[str, ...]
    group: str = ""
    version: str = ""


@dataclass(frozen=True)
class ResourceType:
    """One plural resource in one group/version, as discovery describes it."""

    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = ALL_VERBS
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = ()
    custom: bool = False
    storage_version: bool = True
    # Another type whose objects these are, stored in that type's shape (events.k8s.io Events are core Events).
    stored_with: tuple[str, str] | None = None

    @property
    def stored_as(self) -> tuple[str, str]:
        """The (group, plural) under which the store keeps these objects."""
        return self.stored_with or (self.group, self.plural)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """`deployments.apps`, `pods`: how error messages name the resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def subresource(self, name: str) -> Subresource | None:
        return next((sub for sub in self.subresources if sub.name == name), None)


STATUS = Subresource("status", "", STATUS_VERBS)


def _status(kind: str) -> Subresource:
    return Subresource("status", kind, STATUS_VERBS)


def _scale() -> Subresource:
    return Subresource("scale", "Scale", STATUS_VERBS, group="autoscaling", version="v1")


def _builtin() -> list[ResourceType]:
    def core(plural: str, kind: str, namespaced: bool = True, **extra: Any) -> ResourceType:
        return ResourceType("", "v1", plural, kind.lower(), kind, namespaced, **extra)

    def grouped(
        group: str, version: str, plural: str, kind: str, namespaced: bool = True, **extra: Any
    ) -> ResourceType:
        return ResourceType(group, version, plural, kind.lower(), kind, namespaced, **extra)

    connect = ("create", "get")
    return [
        core(
            "pods",
            "Pod",
            short_names=("po",),
            categories=("all",),
            subresources=(
                Subresource("attach", "PodAttachOptions", connect),
                Subresource("binding", "Binding", ("create",)),
                Subresource("ephemeralcontainers", "Pod", STATUS_VERBS),
                Subresource("eviction", "Eviction", ("create",), group="policy", version="v1"),
                Subresource("exec", "PodExecOptions", connect),
                Subresource("log", "Pod", ("get",)),
                Subresource("portforward", "PodPortForwardOptions", connect),
                Subresource("proxy", "PodProxyOptions", ("create", "delete", "get", "patch", "update")),
                _status("Pod"),
            ),
        ),
        core(
            "services",
            "Service",
            short_names=("svc",),
            categories=("all",),
            subresources=(
                Subresource("proxy", "ServiceProxyOptions", ("create", "delete", "get", "patch", "update")),
                _status("Service"),
            ),
        ),
        core("endpoints", "Endpoints", short_names=("ep",)),
        core("configmaps", "ConfigMap", short_names=("cm",)),
        core("secrets", "Secret"),
        core(
            "namespaces",
            "Namespace",
            namespaced=False,
            short_names=("ns",),
            verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
            subresources=(Subresource("finalize", "Namespace", ("update",)), _status("Namespace")),
        ),
        core(
            "nodes",
            "Node",
            namespaced=False,
            short_names=("no",),
            subresources=(
                Subresource("proxy", "NodeProxyOptions", ("create", "delete", "get", "patch", "update")),
                _status("Node"),
            ),
        ),
        core("events", "Event", short_names=("ev",)),
        core(
            "serviceaccounts",
            "ServiceAccount",
            short_names=("sa",),
            subresources=(
                Subresource("token", "TokenRequest", ("create",), group="authentication.k8s.io", version="v1"),
            ),
        ),
        core(
            "persistentvolumeclaims",
            "PersistentVolumeClaim",
            short_names=("pvc",),
            subresources=(_status("PersistentVolumeClaim"),),
        ),
        core(
            "persistentvolumes",
            "PersistentVolume",
            namespaced=False,
            short_names=("pv",),
            subresources=(_status("PersistentVolume"),),
        ),
        core("limitranges", "LimitRange", short_names=("limits",)),
        core("resourcequotas", "ResourceQuota", short_names=("quota",), subresources=(_status("ResourceQuota"),)),
        core("componentstatuses", "ComponentStatus", namespaced=False, short_names=("cs",), verbs=("get", "list")),
        core(
            "replicationcontrollers",
            "ReplicationController",
            short_names=("rc",),
            categories=("all",),
            subresources=(
                Subresource("scale", "Scale", STATUS_VERBS, group="autoscaling", version="v1"),
                _status("ReplicationController"),
            ),
        ),
        grouped(
            "apps",
            "v1",
            "deployments",
            "Deployment",
            short_names=("deploy",),
            categories=("all",),
            subresources=(_scale(), _status("Deployment")),
        ),
        grouped(
            "apps",
            "v1",
            "replicasets",
            "ReplicaSet",
            short_names=("rs",),
            categories=("all",),
            subresources=(_scale(), _status("ReplicaSet")),
        ),
        grouped(
            "apps",
            "v1",
            "statefulsets",
            "StatefulSet",
            short_names=("sts",),
            categories=("all",),
            subresources=(_scale(), _status("StatefulSet")),
        ),
        grouped(
            "apps",
            "v1",
            "daemonsets",
            "DaemonSet",
            short_names=("ds",),
            categories=("all",),
            subresources=(_status("DaemonSet"),),
        ),
        grouped("apps", "v1", "controllerrevisions", "ControllerRevision"),
        grouped("batch", "v1", "jobs", "Job", categories=("all",), subresources=(_status("Job"),)),
        grouped(
            "batch",
            "v1",
            "cronjobs",
            "CronJob",
            short_names=("cj",),
            categories=("all",),
            subresources=(_status("CronJob"),),
        ),
        grouped(
            "autoscaling",
            "v2",
            "horizontalpodautoscalers",
            "HorizontalPodAutoscaler",
            short_names=("hpa",),
            categories=("all",),
            subresources=(_status("HorizontalPodAutoscaler"),),
        ),
        grouped(
            "autoscaling",
            "v1",
            "horizontalpodautoscalers",
            "HorizontalPodAutoscaler",
            short_names=("hpa",),
            categories=("all",),
            subresources=(_status("HorizontalPodAutoscaler"),),
            storage_version=False,
            stored_with=("autoscaling", "horizontalpodautoscalers"),
        ),
        grouped(
            "networking.k8s.io", "v1", "ingresses", "Ingress", short_names=("ing",), subresources=(_status("Ingress"),)
        ),
        grouped("networking.k8s.io", "v1", "ingressclasses", "IngressClass", namespaced=False),
        grouped("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", short_names=("netpol",)),
        grouped("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
        grouped("rbac.authorization.k8s.io", "v1", "roles", "Role"),
        grouped("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
        grouped("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", namespaced=False),
        grouped("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", namespaced=False),
        grouped(
            "apiextensions.k8s.io",
            "v1",
            "customresourcedefinitions",
            "CustomResourceDefinition",
            namespaced=False,
            short_names=("crd", "crds"),
            categories=("api-extensions",),
            subresources=(_status("CustomResourceDefinition"),),
        ),
        grouped(
            "authentication.k8s.io",
            "v1",
            "selfsubjectreviews",
            "SelfSubjectReview",
            namespaced=False,
            verbs=("create",),
        ),
        grouped(
            "authorization.k8s.io",
            "v1",
            "selfsubjectaccessreviews",
            "SelfSubjectAccessReview",
            namespaced=False,
            verbs=("create",),
        ),
        grouped(
            "authorization.k8s.io",
            "v1",
            "selfsubjectrulesreviews",
            "SelfSubjectRulesReview",
            namespaced=False,
            verbs=("create",),
        ),
        grouped("events.k8s.io", "v1", "events", "Event", short_names=("ev",), stored_with=("", "events")),
        grouped(
            "policy",
            "v1",
            "poddisruptionbudgets",
            "PodDisruptionBudget",
            short_names=("pdb",),
            subresources=(_status("PodDisruptionBudget"),),
        ),
        grouped("storage.k8s.io", "v1", "storageclasses", "StorageClass", namespaced=False, short_names=("sc",)),
        grouped("coordination.k8s.io", "v1", "leases", "Lease"),
        grouped("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", namespaced=False, short_names=("pc",)),
    ]


def metrics_types() -> list[ResourceType]:
    """The read-only metrics API that metrics-server adds through aggregation."""
    return [
        ResourceType("metrics.k8s.io", "v1beta1", "nodes", "", "NodeMetrics", False, verbs=("get", "list")),
        ResourceType("metrics.k8s.io", "v1beta1", "pods", "", "PodMetrics", True, verbs=("get", "list")),
    ]


# The order in which the real server lists its groups in `/apis` (unknown groups go last).
GROUP_ORDER = (
    "apiregistration.k8s.io",
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "metrics.k8s.io",
)


@dataclass
class TypeRegistry:
    """All served types, indexed for routing; CRDs add and remove entries at runtime."""

    types: list[ResourceType] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self._index: dict[tuple[str, str, str], ResourceType] = {}
        for resource_type in list(self.types):
            self._index[(resource_type.group, resource_type.version, resource_type.plural)] = resource_type

    @classmethod
    def builtin(cls, metrics_api: bool = True) -> TypeRegistry:
        return cls(_builtin() + (metrics_types() if metrics_api else []))

    def add(self, resource_type: ResourceType) -> None:
        with self.lock:
            self.remove(resource_type.group, resource_type.version, resource_type.plural)
            self.types.append(resource_type)
            self._index[(resource_type.group, resource_type.version, resource_type.plural)] = resource_type

    def remove(self, group: str, version: str, plural: str) -> None:
        with self.lock:
            found = self._index.pop((group, version, plural), None)
            if found is not None:
                self.types.remove(found)

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._index.get((group, version, plural))

    def by_resource(self, group: str, plural: str) -> ResourceType | None:
        """The storage version of `plural` in `group`, whatever version a caller named."""
        with self.lock:
            candidates = [t for t in self.types if t.group == group and t.plural == plural]
        return next((t for t in candidates if t.storage_version), candidates[0] if candidates else None)

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        with self.lock:
            return next((t for t in self.types if t.group == group and t.version == version and t.kind == kind), None)

    def groups(self) -> dict[str, list[str]]:
        """group -> versions, preferred (first registered) version first, in the real server's order."""
        result: dict[str, list[str]] = {}
        with self.lock:
            for resource_type in self.types:
                versions = result.setdefault(resource_type.group, [])
                if resource_type.version not in versions:
                    versions.append(resource_type.version)
        rank = {group: index for index, group in enumerate(GROUP_ORDER)}
        return dict(sorted(result.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        with self.lock:
            return [t for t in self.types if t.group == group and t.version == version]
