"""Kind shaping for the slim output form: per-kind removal of fields a model rarely needs.

It follows the upstream server's shaping (apps workloads, Flux HelmRelease, events) and goes a
little further where a field only restates a default the API server fills in (bare Pods too).
"""

from __future__ import annotations

from typing import Any

from .fieldpaths import EVERY_ITEM, FieldPath, get_path, remove_path

# Env lists longer than this become a count: long env lists dominate workload manifests.
ENV_LIST_LIMIT = 8

DEFAULT_PROBE_VALUES = {
    "failureThreshold": 3,
    "successThreshold": 1,
    "periodSeconds": 10,
    "timeoutSeconds": 1,
    "initialDelaySeconds": 0,
}
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")

WORKLOAD_KINDS = frozenset({"deployment", "statefulset", "daemonset", "replicaset"})
WORKLOAD_FIELDS: tuple[FieldPath, ...] = (
    ("spec", "progressDeadlineSeconds"),
    ("spec", "revisionHistoryLimit"),
    ("spec", "template", "spec", "restartPolicy"),
    ("spec", "template", "spec", "terminationGracePeriodSeconds"),
)

HELM_RELEASE_GROUP = "helm.toolkit.fluxcd.io"
HELM_RELEASE_FIELDS: tuple[FieldPath, ...] = (
    ("spec", "values"),
    ("status", "history"),
    ("status", "lastAppliedConfigDigest"),
    ("status", "lastAttemptedConfigDigest"),
    ("status", "lastAttemptedRevisionDigest"),
    ("status", "observedPostRenderersDigest"),
)

EVENT_FIELDS: tuple[FieldPath, ...] = (
    ("metadata", "managedFields"),
    ("metadata", "uid"),
    ("metadata", "resourceVersion"),
    ("metadata", "selfLink"),
    ("involvedObject", "uid"),
    ("involvedObject", "resourceVersion"),
    ("involvedObject", "apiVersion"),
    ("regarding", "uid"),
    ("regarding", "resourceVersion"),
    ("regarding", "apiVersion"),
    ("reportingInstance",),
)
EVENT_OPTIONAL_FIELDS = (
    "eventTime",
    "firstTimestamp",
    "lastTimestamp",
    "source",
    "deprecatedFirstTimestamp",
    "deprecatedLastTimestamp",
    "deprecatedSource",
    "series",
    "related",
    "action",
)

# Defaults the API server writes into every Pod; they say nothing about this Pod.
POD_DEFAULTS = {
    "dnsPolicy": "ClusterFirst",
    "schedulerName": "default-scheduler",
    "restartPolicy": "Always",
    "terminationGracePeriodSeconds": 30,
    "enableServiceLinks": True,
    "preemptionPolicy": "PreemptLowerPriority",
    "priority": 0,
}
DEFAULT_TOLERATION_KEYS = frozenset({"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"})


def shape(obj: dict[str, Any], kind: str, api_version: str) -> None:
    """Apply the slim shaping for ``kind`` to ``obj`` in place (``obj`` is already a private copy)."""
    lowered = kind.lower()
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    if lowered in WORKLOAD_KINDS and group in ("apps", ""):
        for path in WORKLOAD_FIELDS:
            remove_path(obj, path)
        template_spec = get_path(obj, ("spec", "template", "spec"))
        if isinstance(template_spec, dict):
            _shape_containers(template_spec)
    elif lowered == "pod":
        _shape_pod(obj)
    elif lowered == "helmrelease" and group == HELM_RELEASE_GROUP:
        for path in HELM_RELEASE_FIELDS:
            remove_path(obj, path)
    elif lowered == "event":
        _shape_event(obj)


def _shape_containers(pod_spec: dict[str, Any]) -> None:
    if pod_spec.get("securityContext") == {}:
        del pod_spec["securityContext"]
    for list_name in CONTAINER_LISTS:
        containers = pod_spec.get(list_name)
        if not isinstance(containers, list):
            continue
        for container in containers:
            if isinstance(container, dict):
                _shape_container(container)


def _shape_container(container: dict[str, Any]) -> None:
    env = container.get("env")
    if isinstance(env, list) and len(env) > ENV_LIST_LIMIT:
        position = list(container).index("env")
        items = list(container.items())
        items[position] = ("envCount", len(env))
        container.clear()
        container.update(items)
    for probe_name in PROBES:
        probe = container.get(probe_name)
        if not isinstance(probe, dict):
            continue
        for field, default in DEFAULT_PROBE_VALUES.items():
            if probe.get(field) == default:
                del probe[field]


def _shape_pod(pod: dict[str, Any]) -> None:
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return
    for field, default in POD_DEFAULTS.items():
        if spec.get(field) == default:
            del spec[field]
    # serviceAccount is the deprecated duplicate of serviceAccountName.
    if spec.get("serviceAccount") == spec.get("serviceAccountName"):
        spec.pop("serviceAccount", None)
    for list_name in CONTAINER_LISTS:
        remove_path(spec, (list_name, EVERY_ITEM, "terminationMessagePath"))
        remove_path(spec, (list_name, EVERY_ITEM, "terminationMessagePolicy"))
    tolerations = spec.get("tolerations")
    if isinstance(tolerations, list):
        kept = [t for t in tolerations if not _is_default_toleration(t)]
        if kept:
            spec["tolerations"] = kept
        else:
            del spec["tolerations"]
    _shape_containers(spec)


def _is_default_toleration(toleration: Any) -> bool:
    return (
        isinstance(toleration, dict)
        and toleration.get("key") in DEFAULT_TOLERATION_KEYS
        and toleration.get("operator") == "Exists"
        and toleration.get("effect") == "NoExecute"
        and toleration.get("tolerationSeconds") == 300
    )


def _shape_event(event: dict[str, Any]) -> None:
    for path in EVENT_FIELDS:
        remove_path(event, path)
    for field in EVENT_OPTIONAL_FIELDS:
        if field in event and event[field] in (None, "", {}):
            del event[field]
