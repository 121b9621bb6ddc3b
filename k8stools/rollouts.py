"""Rollout logic shared by the rollout tools: kubectl's status messages, revision history and undo.

Status follows `kubectl rollout status` (the same conditions, the same messages). A Deployment's
revisions are its ReplicaSets (`deployment.kubernetes.io/revision`); a StatefulSet's or DaemonSet's
are its ControllerRevisions. Undo puts a revision's pod template back, as kubectl does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from k8stools.apirequest import ApiRequest, FixedKind, resource_request
from k8stools.kube import ResourceType

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
POD_TEMPLATE_HASH = "pod-template-hash"
# Deployment annotations an undo keeps from the deployment rather than copying from the ReplicaSet (kubectl's list).
ANNOTATIONS_KEPT_ON_UNDO = (
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
)


REPLICASETS = FixedKind("apps", "v1", "replicasets")
CONTROLLER_REVISIONS = FixedKind("apps", "v1", "controllerrevisions")


class Requests(Protocol):
    def request(self, request: ApiRequest) -> Any: ...


@dataclass(frozen=True)
class RolloutState:
    message: str
    done: bool = False
    failed: bool = False


@dataclass(frozen=True)
class Revision:
    number: int
    change_cause: str
    template: dict[str, Any]
    # The ReplicaSet or ControllerRevision that records it.
    source: dict[str, Any]


def rollout_state(resource: str, obj: dict[str, Any]) -> RolloutState:
    """Where the rollout of `obj` (a deployments/statefulsets/daemonsets object) stands, in kubectl's words."""
    if resource == "deployments":
        return _deployment_state(obj)
    if resource == "statefulsets":
        return _statefulset_state(obj)
    return _daemonset_state(obj)


def _deployment_state(obj: dict[str, Any]) -> RolloutState:
    name = obj["metadata"]["name"]
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if obj["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
        return RolloutState("Waiting for deployment spec update to be observed...")
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and condition.get("reason") == "ProgressDeadlineExceeded":
            return RolloutState(f'deployment "{name}" exceeded its progress deadline', failed=True)
    replicas = spec.get("replicas", 1)
    updated = status.get("updatedReplicas", 0)
    if updated < replicas:
        return RolloutState(
            f'Waiting for deployment "{name}" rollout to finish: {updated} out of {replicas} new '
            "replicas have been updated..."
        )
    if status.get("replicas", 0) > updated:
        return RolloutState(
            f'Waiting for deployment "{name}" rollout to finish: {status["replicas"] - updated} old '
            "replicas are pending termination..."
        )
    available = status.get("availableReplicas", 0)
    if available < updated:
        return RolloutState(
            f'Waiting for deployment "{name}" rollout to finish: {available} of {updated} updated '
            "replicas are available..."
        )
    return RolloutState(f'deployment "{name}" successfully rolled out', done=True)


def _statefulset_state(obj: dict[str, Any]) -> RolloutState:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    strategy = spec.get("updateStrategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return RolloutState("rollout status is only available for the RollingUpdate strategy type", failed=True)
    observed = status.get("observedGeneration", 0)
    if not observed or obj["metadata"].get("generation", 0) > observed:
        return RolloutState("Waiting for statefulset spec update to be observed...")
    replicas = spec.get("replicas", 1)
    ready = status.get("readyReplicas", 0)
    if ready < replicas:
        return RolloutState(f"Waiting for {replicas - ready} pods to be ready...")
    partition = (strategy.get("rollingUpdate") or {}).get("partition")
    if partition:
        updated = status.get("updatedReplicas", 0)
        if updated < replicas - partition:
            return RolloutState(
                f"Waiting for partitioned roll out to finish: {updated} out of {replicas - partition} "
                "new pods have been updated..."
            )
        return RolloutState(f"partitioned roll out complete: {updated} new pods have been updated...", done=True)
    if status.get("updateRevision") != status.get("currentRevision"):
        return RolloutState(
            f"waiting for statefulset rolling update to complete {status.get('updatedReplicas', 0)} "
            f"pods at revision {status.get('updateRevision')}..."
        )
    return RolloutState(
        f"statefulset rolling update complete {status.get('currentReplicas', 0)} pods at revision "
        f"{status.get('currentRevision')}...",
        done=True,
    )


def _daemonset_state(obj: dict[str, Any]) -> RolloutState:
    name = obj["metadata"]["name"]
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") != "RollingUpdate":
        return RolloutState("rollout status is only available for the RollingUpdate strategy type", failed=True)
    if obj["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
        return RolloutState("Waiting for daemon set spec update to be observed...")
    desired = status.get("desiredNumberScheduled", 0)
    updated = status.get("updatedNumberScheduled", 0)
    if updated < desired:
        return RolloutState(
            f'Waiting for daemon set "{name}" rollout to finish: {updated} out of {desired} new pods '
            "have been updated..."
        )
    available = status.get("numberAvailable", 0)
    if available < desired:
        return RolloutState(
            f'Waiting for daemon set "{name}" rollout to finish: {available} of {desired} updated pods are available...'
        )
    return RolloutState(f'daemon set "{name}" successfully rolled out', done=True)


def label_selector(selector: dict[str, Any] | None) -> str:
    """A LabelSelector object as the `labelSelector` query string."""
    selector = selector or {}
    terms = [f"{key}={value}" for key, value in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        if operator == "In":
            terms.append(f"{key} in ({','.join(values)})")
        elif operator == "NotIn":
            terms.append(f"{key} notin ({','.join(values)})")
        elif operator == "Exists":
            terms.append(str(key))
        elif operator == "DoesNotExist":
            terms.append(f"!{key}")
    return ",".join(terms)


def revisions(client: Requests, kind: ResourceType, workload: dict[str, Any]) -> list[Revision]:
    """The workload's recorded revisions, oldest first."""
    metadata = workload["metadata"]
    selector = label_selector((workload.get("spec") or {}).get("selector"))
    namespace = metadata["namespace"]
    query = [("labelSelector", selector)]
    if kind.name == "deployments":
        request = resource_request(REPLICASETS, namespace=namespace, query=query)
        sources = client.request(request).get("items") or []
        found = [_replicaset_revision(source) for source in sources if _owned_by(source, metadata["uid"])]
    else:
        sources = (
            client.request(resource_request(CONTROLLER_REVISIONS, namespace=namespace, query=query)).get("items") or []
        )
        found = [_controller_revision(source) for source in sources if _owned_by(source, metadata["uid"])]
    return sorted((revision for revision in found if revision.number > 0), key=lambda revision: revision.number)


def _owned_by(obj: dict[str, Any], uid: str) -> bool:
    return any(owner.get("uid") == uid for owner in obj["metadata"].get("ownerReferences") or [])


def _replicaset_revision(replicaset: dict[str, Any]) -> Revision:
    annotations = replicaset["metadata"].get("annotations") or {}
    try:
        number = int(annotations.get(REVISION, "0"))
    except ValueError:
        number = 0
    template = without_hash((replicaset.get("spec") or {}).get("template") or {})
    return Revision(number, annotations.get(CHANGE_CAUSE, ""), template, replicaset)


def _controller_revision(revision: dict[str, Any]) -> Revision:
    annotations = revision["metadata"].get("annotations") or {}
    template = copy.deepcopy(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return Revision(int(revision.get("revision") or 0), annotations.get(CHANGE_CAUSE, ""), template, revision)


def without_hash(template: dict[str, Any]) -> dict[str, Any]:
    """A pod template without the `pod-template-hash` label the Deployment controller adds."""
    template = copy.deepcopy(template)
    labels = (template.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(POD_TEMPLATE_HASH, None)
    return template


def undo_patch(
    kind: ResourceType, workload: dict[str, Any], target: Revision
) -> tuple[Any, Literal["json", "strategic"]]:
    """The patch that puts `target`'s pod template back (None when it is already the current one)."""
    current = without_hash((workload.get("spec") or {}).get("template") or {})
    if current == target.template:
        return None, "json"
    if kind.name != "deployments":
        return target.source.get("data") or {
            "spec": {"template": {**target.template, "$patch": "replace"}}
        }, "strategic"
    annotations = {
        key: value
        for key, value in (workload["metadata"].get("annotations") or {}).items()
        if key in ANNOTATIONS_KEPT_ON_UNDO
    }
    for key, value in (target.source["metadata"].get("annotations") or {}).items():
        if key not in ANNOTATIONS_KEPT_ON_UNDO:
            annotations[key] = value
    return [
        {"op": "replace", "path": "/spec/template", "value": target.template},
        {"op": "add", "path": "/metadata/annotations", "value": annotations},
    ], "json"
