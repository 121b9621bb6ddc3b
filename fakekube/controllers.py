"""Synchronous stand-ins for the controllers and the kubelet, so workloads behave as clients expect:
a Deployment owns ReplicaSets that own Running pods, rollouts create a new ReplicaSet per pod template,
and every workload's `status` adds up. They run inside the write that triggers them.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from .disruption import refresh_budgets
from .events import record_event
from .objects import now_timestamp, random_suffix
from .pod_events import record_pod_killing, record_pod_started
from .pods import PodStarter
from .status import ApiError
from .types import ResourceType

if TYPE_CHECKING:
    from .operations import Operations

REVISION = "deployment.kubernetes.io/revision"
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
# Annotations a Deployment does not copy to its ReplicaSets.
_NOT_COPIED = {
    REVISION,
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision-history",
}


def template_hash(template: dict[str, Any]) -> str:
    """FNV-32a of the pod template, spelled with the real server's safe alphabet (`7c5ddbdf54`)."""
    value = 0x811C9DC5
    for byte in json.dumps(template, sort_keys=True).encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE_ALPHABET[ord(char) % len(_SAFE_ALPHABET)] for char in str(value))


def owner_reference(owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def is_owned_by(obj: dict[str, Any], owner: dict[str, Any]) -> bool:
    return any(
        ref.get("uid") == owner["metadata"]["uid"] and ref.get("controller")
        for ref in obj["metadata"].get("ownerReferences") or []
    )


def pod_is_ready(pod: dict[str, Any]) -> bool:
    return any(
        condition.get("type") == "Ready" and condition.get("status") == "True"
        for condition in (pod.get("status") or {}).get("conditions") or []
    )


_COMPONENTS = {
    "Deployment": "deployment-controller",
    "ReplicaSet": "replicaset-controller",
    "StatefulSet": "statefulset-controller",
    "DaemonSet": "daemonset-controller",
    "Job": "job-controller",
}


class Controllers:
    """Deployment, ReplicaSet, StatefulSet, DaemonSet and Job controllers, plus pod start-up."""

    def __init__(self, operations: Operations) -> None:
        self.operations = operations
        self.pods = PodStarter(operations.store)
        operations.controllers = self
        operations.admission.append(self.pods.admit)
        self._reconciling: set[str] = set()
        # Controllers record Events as the real ones do; `FakeCluster.seed` turns this off while it writes history.
        self.emit_events = True
        self._handlers = {
            ("apps", "deployments"): self._deployment,
            ("apps", "replicasets"): self._replicaset,
            ("apps", "statefulsets"): self._statefulset,
            ("apps", "daemonsets"): self._daemonset,
            ("batch", "jobs"): self._job,
        }

    def reconcile(self, resource_type: ResourceType, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        handler = self._handlers.get((resource_type.group, resource_type.plural))
        if handler is not None and new is not None:
            self._guarded(resource_type, new, handler)
        if (resource_type.group, resource_type.plural) in (("", "pods"), ("policy", "poddisruptionbudgets")):
            refresh_budgets(self.operations.store, (new or old or {}).get("metadata", {}).get("namespace"))
        metadata = (new or old or {}).get("metadata") or {}
        if resource_type.group == "" and resource_type.plural == "pods":
            if old is None and new is not None:
                scheduled = self.pods.take_started(new)
                if scheduled is not None and self.emit_events:
                    record_pod_started(self.operations.store, new, scheduled)
            # A pod that changed or went away: its owner replaces it and recounts.
            for ref in metadata.get("ownerReferences") or []:
                self._reconcile_owner(ref, metadata.get("namespace"))
        if resource_type.group == "apps" and resource_type.plural == "replicasets":
            for ref in metadata.get("ownerReferences") or []:
                if ref.get("kind") == "Deployment" and old is not None and new is None:
                    continue
                self._reconcile_owner(ref, metadata.get("namespace"), status_only=True)

    def _guarded(self, resource_type: ResourceType, obj: dict[str, Any], handler: Any, **kwargs: Any) -> None:
        key = f"{resource_type.plural}/{obj['metadata'].get('namespace')}/{obj['metadata']['name']}"
        if key in self._reconciling:
            return
        self._reconciling.add(key)
        try:
            current = self.operations.store.get(
                resource_type.group, resource_type.plural, obj["metadata"].get("namespace"), obj["metadata"]["name"]
            )
            if current is not None:
                handler(current, **kwargs)
        finally:
            self._reconciling.discard(key)

    def _reconcile_owner(self, ref: dict[str, Any], namespace: str | None, status_only: bool = False) -> None:
        group = ref.get("apiVersion", "").rpartition("/")[0]
        resource_type = self.operations.registry.by_kind(ref.get("apiVersion", ""), ref.get("kind", ""))
        if resource_type is None or (group, resource_type.plural) not in self._handlers:
            return
        owner = self.operations.store.get(group, resource_type.plural, namespace, ref.get("name", ""))
        if owner is None or owner["metadata"]["uid"] != ref.get("uid"):
            return
        handler = self._handlers[(group, resource_type.plural)]
        if status_only and resource_type.plural == "deployments":
            self._guarded(resource_type, owner, lambda current: self._deployment_status(current))
        else:
            self._guarded(resource_type, owner, handler)

    # -- helpers -------------------------------------------------------------------------------------

    def _type(self, group: str, plural: str) -> ResourceType:
        found = self.operations.registry.by_resource(group, plural)
        assert found is not None
        return found

    def _owned(self, group: str, plural: str, owner: dict[str, Any]) -> list[dict[str, Any]]:
        items = self.operations.store.items(group, plural, owner["metadata"].get("namespace"))
        return [obj for obj in items if is_owned_by(obj, owner)]

    def _active_pods(self, owner: dict[str, Any]) -> list[dict[str, Any]]:
        return [pod for pod in self._owned("", "pods", owner) if not pod["metadata"].get("deletionTimestamp")]

    def _set_status(self, group: str, plural: str, obj: dict[str, Any], status: dict[str, Any]) -> None:
        current = self.operations.store.get(group, plural, obj["metadata"].get("namespace"), obj["metadata"]["name"])
        if current is None or current.get("status") == status:
            return
        self.operations.store.put(
            group, plural, {**current, "metadata": dict(current["metadata"]), "status": status}, "MODIFIED"
        )

    def _store_write(self, group: str, plural: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Write a controller-made change to an existing object (spec/metadata), bumping generation if needed."""
        current = self.operations.store.get(group, plural, obj["metadata"].get("namespace"), obj["metadata"]["name"])
        if current is not None and current.get("spec") != obj.get("spec") and "generation" in current["metadata"]:
            obj["metadata"]["generation"] = current["metadata"]["generation"] + 1
        stored = self.operations.store.put(group, plural, obj, "MODIFIED")
        self.reconcile(self._type(group, plural), current, stored)
        return stored

    def _create_pod(
        self,
        owner: dict[str, Any],
        template: dict[str, Any],
        name: str,
        extra_labels: dict[str, str] | None = None,
        node: str | None = None,
    ) -> bool:
        metadata = copy.deepcopy(template.get("metadata") or {})
        metadata.pop("creationTimestamp", None)
        metadata["name"] = name
        metadata["labels"] = {**(metadata.get("labels") or {}), **(extra_labels or {})}
        metadata["ownerReferences"] = [owner_reference(owner)]
        spec = copy.deepcopy(template.get("spec") or {})
        if node:
            spec["nodeName"] = node
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
        if owner["kind"] == "Job":
            pod["status"] = self.pods.completed_status(spec)
        try:
            self.operations.create(self._type("", "pods"), owner["metadata"]["namespace"], pod)
        except ApiError as error:
            # A real controller retries later; here the usual cause is a namespace being deleted.
            self._event(owner, "FailedCreate", f"Error creating: {error.message}", "Warning")
            return False
        if owner["kind"] == "StatefulSet":
            message = f"create Pod {name} in StatefulSet {owner['metadata']['name']} successful"
        else:
            message = f"Created pod: {name}"
        self._event(owner, "SuccessfulCreate", message)
        return True

    def _event(self, involved: dict[str, Any], reason: str, message: str, event_type: str = "Normal") -> None:
        if self.emit_events:
            record_event(
                self.operations.store,
                involved,
                reason,
                message,
                _COMPONENTS.get(involved["kind"], "kubelet"),
                event_type,
            )

    def pod_killed(self, pod: dict[str, Any]) -> None:
        """The kubelet stops a deleted pod's containers (the Deleter tells it, as the watch tells a kubelet)."""
        if self.emit_events:
            record_pod_killing(self.operations.store, pod)

    def _scale_pods(self, owner: dict[str, Any], replicas: int) -> None:
        pods = self._active_pods(owner)
        template = owner["spec"].get("template") or {}
        for _ in range(replicas - len(pods)):
            if not self._create_pod(owner, template, f"{owner['metadata']['name']}-{random_suffix()}"):
                break
        # Terminating pods are already on their way out: only active ones count and are scaled down.
        pods = self._active_pods(owner)
        for pod in sorted(pods, key=lambda p: p["metadata"]["creationTimestamp"], reverse=True)[
            : max(0, len(pods) - replicas)
        ]:
            self.operations.delete(self._type("", "pods"), pod["metadata"]["namespace"], pod["metadata"]["name"])
            self._event(owner, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}")

    # -- controllers ---------------------------------------------------------------------------------

    def _replicaset(self, replicaset: dict[str, Any]) -> None:
        self._scale_pods(replicaset, int(replicaset["spec"].get("replicas", 1)))
        # Status counts active pods, as the real controller does: Terminating ones are on their way out.
        pods = self._active_pods(replicaset)
        ready = sum(1 for pod in pods if pod_is_ready(pod))
        status = {
            "replicas": len(pods),
            "fullyLabeledReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": replicaset["metadata"].get("generation", 1),
        }
        self._set_status("apps", "replicasets", replicaset, _omit_zero(status))
        for ref in replicaset["metadata"].get("ownerReferences") or []:
            self._reconcile_owner(ref, replicaset["metadata"]["namespace"], status_only=True)

    def _deployment(self, deployment: dict[str, Any]) -> None:
        spec = deployment["spec"]
        template = copy.deepcopy(spec.get("template") or {})
        labels = (template.get("metadata") or {}).get("labels") or {}
        hash_value = template_hash(template)
        name = f"{deployment['metadata']['name']}-{hash_value}"
        replicasets = self._owned("apps", "replicasets", deployment)
        revisions = [int(rs["metadata"].get("annotations", {}).get(REVISION, "0")) for rs in replicasets]
        current = next((rs for rs in replicasets if rs["metadata"]["name"] == name), None)
        if spec.get("paused") and current is None and replicasets:
            current = max(replicasets, key=lambda rs: int(rs["metadata"].get("annotations", {}).get(REVISION, "0")))
        replicas = int(spec.get("replicas", 1))
        annotations = {
            key: value
            for key, value in (deployment["metadata"].get("annotations") or {}).items()
            if key not in _NOT_COPIED
        }
        if current is None:
            revision = max(revisions, default=0) + 1
            template.setdefault("metadata", {})["labels"] = {**labels, "pod-template-hash": hash_value}
            selector = copy.deepcopy(spec.get("selector") or {})
            selector.setdefault("matchLabels", {})["pod-template-hash"] = hash_value
            body = {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": name,
                    "namespace": deployment["metadata"]["namespace"],
                    "labels": {**labels, "pod-template-hash": hash_value},
                    "annotations": {
                        **annotations,
                        REVISION: str(revision),
                        "deployment.kubernetes.io/desired-replicas": str(replicas),
                        "deployment.kubernetes.io/max-replicas": str(replicas + max(1, replicas // 4)),
                    },
                    "ownerReferences": [owner_reference(deployment)],
                },
                "spec": {"replicas": replicas, "selector": selector, "template": template},
            }
            self.operations.create(self._type("apps", "replicasets"), deployment["metadata"]["namespace"], body)
            self._event(deployment, "ScalingReplicaSet", f"Scaled up replica set {name} from 0 to {replicas}")
        else:
            current_revision = int(current["metadata"].get("annotations", {}).get(REVISION, "0"))
            revision = current_revision if current_revision == max(revisions, default=0) else max(revisions) + 1
            wanted_annotations = {
                **(current["metadata"].get("annotations") or {}),
                **annotations,
                REVISION: str(revision),
                "deployment.kubernetes.io/desired-replicas": str(replicas),
            }
            if current["spec"].get("replicas") != replicas:
                was = int(current["spec"].get("replicas", 1))
                direction = "up" if replicas > was else "down"
                self._event(
                    deployment,
                    "ScalingReplicaSet",
                    f"Scaled {direction} replica set {current['metadata']['name']} from {was} to {replicas}",
                )
            if (
                current["spec"].get("replicas") != replicas
                or current["metadata"].get("annotations") != wanted_annotations
            ):
                self._store_write(
                    "apps",
                    "replicasets",
                    {
                        **current,
                        "metadata": {**current["metadata"], "annotations": wanted_annotations},
                        "spec": {**current["spec"], "replicas": replicas},
                    },
                )
        for old in self._owned("apps", "replicasets", deployment):
            if (
                old["metadata"]["name"] != name
                and old["spec"].get("replicas", 0) != 0
                and not (
                    spec.get("paused")
                    and current is not None
                    and old["metadata"]["name"] == current["metadata"]["name"]
                )
            ):
                self._store_write(
                    "apps",
                    "replicasets",
                    {**old, "metadata": dict(old["metadata"]), "spec": {**old["spec"], "replicas": 0}},
                )
                self._event(
                    deployment,
                    "ScalingReplicaSet",
                    f"Scaled down replica set {old['metadata']['name']} from {old['spec'].get('replicas', 1)} to 0",
                )
        self._prune_history(deployment)
        annotations_now = dict(deployment["metadata"].get("annotations") or {})
        if annotations_now.get(REVISION) != str(revision):
            annotations_now[REVISION] = str(revision)
            latest = self.operations.store.get(
                "apps", "deployments", deployment["metadata"]["namespace"], deployment["metadata"]["name"]
            )
            if latest is not None:
                self.operations.store.put(
                    "apps",
                    "deployments",
                    {**latest, "metadata": {**latest["metadata"], "annotations": annotations_now}},
                    "MODIFIED",
                )
        self._deployment_status(deployment)

    def _prune_history(self, deployment: dict[str, Any]) -> None:
        limit = int(deployment["spec"].get("revisionHistoryLimit", 10))
        old = [rs for rs in self._owned("apps", "replicasets", deployment) if not rs["spec"].get("replicas")]
        old.sort(key=lambda rs: int(rs["metadata"].get("annotations", {}).get(REVISION, "0")))
        hash_value = template_hash(deployment["spec"].get("template") or {})
        old = [rs for rs in old if not rs["metadata"]["name"].endswith(hash_value)]
        for rs in old[: max(0, len(old) - limit)]:
            self.operations.delete(
                self._type("apps", "replicasets"), rs["metadata"]["namespace"], rs["metadata"]["name"]
            )

    def _deployment_status(self, deployment: dict[str, Any]) -> None:
        deployment = (
            self.operations.store.get(
                "apps", "deployments", deployment["metadata"]["namespace"], deployment["metadata"]["name"]
            )
            or deployment
        )
        hash_value = template_hash(deployment["spec"].get("template") or {})
        replicasets = self._owned("apps", "replicasets", deployment)
        new = next((rs for rs in replicasets if rs["metadata"]["name"].endswith("-" + hash_value)), None)
        status_of = [rs.get("status") or {} for rs in replicasets]
        replicas = sum(s.get("replicas", 0) for s in status_of)
        ready = sum(s.get("readyReplicas", 0) for s in status_of)
        available = sum(s.get("availableReplicas", 0) for s in status_of)
        updated = (new.get("status") or {}).get("replicas", 0) if new else 0
        wanted = int(deployment["spec"].get("replicas", 1))
        previous = {c.get("type"): c for c in (deployment.get("status") or {}).get("conditions") or []}
        stamp = now_timestamp()

        def condition(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
            old = previous.get(kind) or {}
            same = old.get("status") == status
            return {
                "type": kind,
                "status": status,
                "lastUpdateTime": old.get("lastUpdateTime", stamp) if same and old.get("reason") == reason else stamp,
                "lastTransitionTime": old.get("lastTransitionTime", stamp) if same else stamp,
                "reason": reason,
                "message": message,
            }

        available_now = available >= wanted - max(0, wanted // 4)
        conditions = [
            condition(
                "Available",
                "True" if available_now else "False",
                "MinimumReplicasAvailable" if available_now else "MinimumReplicasUnavailable",
                "Deployment has minimum availability."
                if available_now
                else "Deployment does not have minimum availability.",
            ),
            condition(
                "Progressing",
                "True",
                "NewReplicaSetAvailable" if updated == wanted == ready else "ReplicaSetUpdated",
                f'ReplicaSet "{new["metadata"]["name"] if new else ""}" has successfully progressed.'
                if updated == wanted == ready
                else f'ReplicaSet "{new["metadata"]["name"] if new else ""}" is progressing.',
            ),
        ]
        status = _omit_zero(
            {
                "observedGeneration": deployment["metadata"].get("generation", 1),
                "replicas": replicas,
                "updatedReplicas": updated,
                "readyReplicas": ready,
                "availableReplicas": available,
                "unavailableReplicas": max(0, replicas - available),
            }
        )
        status["conditions"] = conditions
        self._set_status("apps", "deployments", deployment, status)

    def _statefulset(self, statefulset: dict[str, Any]) -> None:
        replicas = int(statefulset["spec"].get("replicas", 1))
        name = statefulset["metadata"]["name"]
        revision = f"{name}-{template_hash(statefulset['spec'].get('template') or {})}"
        pods_type = self._type("", "pods")
        pods = {pod["metadata"]["name"]: pod for pod in self._owned("", "pods", statefulset)}
        for ordinal in range(replicas):
            pod_name = f"{name}-{ordinal}"
            pod = pods.get(pod_name)
            if pod is not None and pod["metadata"].get("deletionTimestamp"):
                continue  # a pod keeps its identity: its successor waits until it is gone
            if pod is not None and pod["metadata"].get("labels", {}).get("controller-revision-hash") != revision:
                self.operations.delete(pods_type, pod["metadata"]["namespace"], pod_name)
                if self.operations.store.get("", "pods", pod["metadata"]["namespace"], pod_name) is not None:
                    continue
                pod = None
            if pod is None:
                self._create_pod(
                    statefulset,
                    statefulset["spec"].get("template") or {},
                    pod_name,
                    {
                        "controller-revision-hash": revision,
                        "statefulset.kubernetes.io/pod-name": pod_name,
                        "apps.kubernetes.io/pod-index": str(ordinal),
                    },
                )
        for pod_name, pod in pods.items():
            ordinal = pod_name.rsplit("-", 1)[-1]
            if (not ordinal.isdigit() or int(ordinal) >= replicas) and not pod["metadata"].get("deletionTimestamp"):
                self.operations.delete(pods_type, pod["metadata"]["namespace"], pod_name)
        pods_now = self._active_pods(statefulset)
        ready = sum(1 for pod in pods_now if pod_is_ready(pod))
        self._set_status(
            "apps",
            "statefulsets",
            statefulset,
            {
                **_omit_zero(
                    {
                        "replicas": len(pods_now),
                        "readyReplicas": ready,
                        "currentReplicas": len(pods_now),
                        "updatedReplicas": len(pods_now),
                        "availableReplicas": ready,
                    }
                ),
                "observedGeneration": statefulset["metadata"].get("generation", 1),
                "currentRevision": revision,
                "updateRevision": revision,
                "collisionCount": 0,
            },
        )

    def _daemonset(self, daemonset: dict[str, Any]) -> None:
        nodes = [
            node["metadata"]["name"]
            for node in self.operations.store.items("", "nodes")
            if not node.get("spec", {}).get("unschedulable")
        ]
        template = daemonset["spec"].get("template") or {}
        hash_value = template_hash(template)
        pods = self._active_pods(daemonset)
        by_node = {pod.get("spec", {}).get("nodeName"): pod for pod in pods}
        for node in nodes:
            pod = by_node.get(node)
            if pod is not None and pod["metadata"].get("labels", {}).get("controller-revision-hash") != hash_value:
                self.operations.delete(self._type("", "pods"), pod["metadata"]["namespace"], pod["metadata"]["name"])
                pod = None
            if pod is None:
                self._create_pod(
                    daemonset,
                    template,
                    f"{daemonset['metadata']['name']}-{random_suffix()}",
                    {"controller-revision-hash": hash_value},
                    node=node,
                )
        for node_name, pod in by_node.items():
            if node_name not in nodes:
                self.operations.delete(self._type("", "pods"), pod["metadata"]["namespace"], pod["metadata"]["name"])
        pods_now = self._active_pods(daemonset)
        ready = sum(1 for pod in pods_now if pod_is_ready(pod))
        self._set_status(
            "apps",
            "daemonsets",
            daemonset,
            {
                "currentNumberScheduled": len(pods_now),
                "desiredNumberScheduled": len(nodes),
                "numberMisscheduled": 0,
                "numberReady": ready,
                "updatedNumberScheduled": len(pods_now),
                "numberAvailable": ready,
                "observedGeneration": daemonset["metadata"].get("generation", 1),
            },
        )

    def _job(self, job: dict[str, Any]) -> None:
        completions = int(job["spec"].get("completions", 1))
        if job["spec"].get("suspend"):
            return
        pods = self._owned("", "pods", job)
        for _ in range(completions - len(pods)):
            self._create_pod(
                job,
                job["spec"].get("template") or {},
                f"{job['metadata']['name']}-{random_suffix()}",
                {
                    "batch.kubernetes.io/job-name": job["metadata"]["name"],
                    "job-name": job["metadata"]["name"],
                    "batch.kubernetes.io/controller-uid": job["metadata"]["uid"],
                    "controller-uid": job["metadata"]["uid"],
                },
            )
        if (job.get("status") or {}).get("succeeded") == completions:
            return
        stamp = now_timestamp()
        start = (job.get("status") or {}).get("startTime", stamp)
        self._set_status(
            "batch",
            "jobs",
            job,
            {
                "startTime": start,
                "completionTime": stamp,
                "succeeded": completions,
                "ready": 0,
                "terminating": 0,
                "uncountedTerminatedPods": {},
                "conditions": [
                    {
                        "type": "SuccessCriteriaMet",
                        "status": "True",
                        "reason": "CompletionsReached",
                        "message": "Reached expected number of succeeded pods",
                        "lastProbeTime": stamp,
                        "lastTransitionTime": stamp,
                    },
                    {
                        "type": "Complete",
                        "status": "True",
                        "reason": "CompletionsReached",
                        "message": "Reached expected number of succeeded pods",
                        "lastProbeTime": stamp,
                        "lastTransitionTime": stamp,
                    },
                ],
            },
        )


def _omit_zero(status: dict[str, Any]) -> dict[str, Any]:
    """Go's `omitempty`: zero counts are absent from real workload statuses."""
    return {key: value for key, value in status.items() if value != 0}
