"""Deletion as the API server, the kubelet, the namespace controller and the garbage collector do it together.

An object with finalizers, a namespace, and a pod running on a node are not removed by DELETE: they get a
`deletionTimestamp` (a pod also `deletionGracePeriodSeconds`, its grace period) and stay, Terminating, until
their finalizers are gone, the namespace is empty, or the kubelet has stopped the pod's containers (after
`Deleter.pod_shutdown_seconds`, capped by the grace period: `POD_SHUTDOWN_SECONDS` by default, since the fake's
containers exit at once on SIGTERM and the kubelet then reports them gone; 0 removes such a pod as soon as its
Terminating state is stored and watched). Dependents go with their owner as the garbage collector deletes them
(so a pod of a deleted ReplicaSet is Terminating too), or are orphaned (their owner reference removed) with
`propagationPolicy=Orphan`.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .status import ApiError

if TYPE_CHECKING:
    from .operations import Operations
    from .types import ResourceType

DEFAULT_GRACE_SECONDS = 30
# How long a deleted running pod stays Terminating before the kubelet has stopped it and it is removed.
POD_SHUTDOWN_SECONDS = 0.2


def _timestamp(after_seconds: int) -> str:
    return (datetime.now(UTC) + timedelta(seconds=after_seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def grace_period(resource_type: ResourceType, obj: dict[str, Any], requested: int | None) -> int:
    """The seconds a deleted object is given to stop: only a pod on a node that has not finished has any."""
    if (resource_type.group, resource_type.plural) != ("", "pods"):
        return 0
    spec = obj.get("spec") or {}
    if not spec.get("nodeName") or (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return 0
    if requested is not None:
        return max(requested, 0)
    return int(spec.get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS))


def _is_namespace(resource_type: ResourceType) -> bool:
    return (resource_type.group, resource_type.plural) == ("", "namespaces")


def check_preconditions(resource_type: ResourceType, obj: dict[str, Any], preconditions: dict[str, Any]) -> None:
    """The 409 a DELETE gets when its `preconditions` (uid, resourceVersion) no longer hold."""
    metadata = obj["metadata"]
    for key, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
        wanted = preconditions.get(key)
        if wanted and wanted != metadata.get(key):
            raise ApiError(
                409,
                f"Precondition failed: {label} in precondition: {wanted}, {label} in object meta: {metadata.get(key)}",
                "Conflict",
                name=metadata["name"],
                group=resource_type.group,
                kind=resource_type.plural,
            )


class _Countdowns:
    """Calls due after a delay, run in order by one daemon thread that lives while calls are due: deleting a
    namespace of a thousand pods must not start a thousand timer threads."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def after(self, seconds: float, call: Callable[[], None]) -> None:
        with self._changed:
            heapq.heappush(self._due, (time.monotonic() + seconds, next(self._order), call))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fakekube-kubelet", daemon=True)
                self._thread.start()
            self._changed.notify()

    def _run(self) -> None:
        while True:
            with self._changed:
                if not self._due:
                    self._thread = None  # nothing left to wait for: the next call starts a new thread
                    return
                wait = self._due[0][0] - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue
                _, _, call = heapq.heappop(self._due)
            call()


class Deleter:
    """Graceful deletion, finalizers and garbage collection over one `Operations`."""

    def __init__(self, operations: Operations) -> None:
        self.operations = operations
        self.store = operations.store
        self.pod_shutdown_seconds = POD_SHUTDOWN_SECONDS
        self._stopping: set[str] = set()  # uids of pods whose containers the kubelet is still stopping
        self._kubelet = _Countdowns()

    def delete(
        self,
        resource_type: ResourceType,
        namespace: str | None,
        name: str,
        dry_run: bool,
        preconditions: dict[str, Any] | None,
        propagation: str | None,
        grace_seconds: int | None,
    ) -> dict[str, Any]:
        """DELETE: the object as the response shows it (Terminating, or as it was when removed)."""
        with self.store.lock:
            old = self.operations.get(resource_type, namespace, name)
            check_preconditions(resource_type, old, preconditions or {})
            metadata = old["metadata"]
            grace = grace_period(resource_type, old, grace_seconds)
            if metadata.get("deletionTimestamp"):
                # Already terminating: a zero grace period (`--force`) cuts a pod's wait short, nothing else moves.
                if grace_seconds == 0 and not dry_run:
                    self._stopping.discard(metadata["uid"])
                    self.finish(resource_type, metadata.get("namespace"), name)
                return old
            lingers = bool(metadata.get("finalizers")) or _is_namespace(resource_type) or grace > 0
            deleting = {
                **old,
                "metadata": {
                    **metadata,
                    "deletionTimestamp": _timestamp(grace),
                    "deletionGracePeriodSeconds": grace,
                },
            }
            if _is_namespace(resource_type):
                deleting["status"] = {**(old.get("status") or {}), "phase": "Terminating"}
            if dry_run:
                return deleting
            if grace > 0 and self.operations.controllers is not None:
                self.operations.controllers.pod_killed(old)
            if propagation == "Orphan":
                self._orphan_dependents(metadata["uid"])
            if not lingers:
                return self._remove(resource_type, old, deleting)
            stored = self.store.put(*resource_type.stored_as, deleting, "MODIFIED")
            self.operations.notify(resource_type, old, stored)
            if _is_namespace(resource_type):
                self._empty_namespace(name)
            elif grace > 0:
                self._stop_pod(resource_type, stored, min(float(grace), self.pod_shutdown_seconds))
            self.finish(resource_type, metadata.get("namespace"), name)
            return stored

    def finish(self, resource_type: ResourceType, namespace: str | None, name: str) -> None:
        """Remove a terminating object once nothing holds it (finalizers, a stopping pod, namespace content)."""
        with self.store.lock:
            obj = self.store.get(*resource_type.stored_as, namespace if resource_type.namespaced else None, name)
            if obj is None or not obj["metadata"].get("deletionTimestamp") or obj["metadata"].get("finalizers"):
                return
            if obj["metadata"]["uid"] in self._stopping:
                return
            if _is_namespace(resource_type):
                left = self.store.namespace_objects(name)
                if any((g, r) != ("", "events") for g, r, _ in left):
                    return
                # Events recorded while the namespace emptied (a pod's Killing) go in the controller's last sweep.
                for g, r, item in left:
                    self.store.remove(g, r, name, item["metadata"]["name"])
            self._remove(resource_type, obj, obj)

    def _remove(self, resource_type: ResourceType, old: dict[str, Any], shown: dict[str, Any]) -> dict[str, Any]:
        namespace = old["metadata"].get("namespace") if resource_type.namespaced else None
        removed = self.store.remove(*resource_type.stored_as, namespace, old["metadata"]["name"])
        assert removed is not None
        self._collect_dependents(old["metadata"]["uid"], namespace)
        self.operations.notify(resource_type, old, None)
        if namespace:
            self._finish_namespace(namespace)
        return {**shown, "metadata": {**shown["metadata"], "resourceVersion": removed["metadata"]["resourceVersion"]}}

    def _stop_pod(self, resource_type: ResourceType, pod: dict[str, Any], seconds: float) -> None:
        if seconds <= 0:
            return
        uid = pod["metadata"]["uid"]
        self._stopping.add(uid)

        def stopped() -> None:
            with self.store.lock:
                self._stopping.discard(uid)
                # A controller reacting to the removal may fail to write; the pod is gone all the same.
                with contextlib.suppress(ApiError):
                    self.finish(resource_type, pod["metadata"]["namespace"], pod["metadata"]["name"])

        self._kubelet.after(seconds, stopped)

    def _finish_namespace(self, namespace: str) -> None:
        found = self.store.get("", "namespaces", None, namespace)
        if found is not None and found["metadata"].get("deletionTimestamp"):
            namespaces = self.operations.registry.by_resource("", "namespaces")
            assert namespaces is not None
            self.finish(namespaces, None, namespace)

    def _empty_namespace(self, namespace: str) -> None:
        """The namespace controller: delete everything in it (objects with finalizers stay until released)."""
        for group, resource, obj in self.store.namespace_objects(namespace):
            if obj["metadata"].get("deletionTimestamp"):
                continue
            resource_type = self.operations.registry.by_resource(group, resource)
            if resource_type is None:
                self.store.remove(group, resource, namespace, obj["metadata"]["name"])
                continue
            try:
                self.delete(resource_type, namespace, obj["metadata"]["name"], False, None, None, None)
            except ApiError:
                continue  # already gone with its owner

    def _orphan_dependents(self, owner_uid: str) -> None:
        """The orphan finalizer's work: dependents stay, without their reference to the owner."""
        for group, resource, obj in self.store.all_objects():
            owners = obj["metadata"].get("ownerReferences") or []
            if any(owner.get("uid") == owner_uid for owner in owners):
                kept = [owner for owner in owners if owner.get("uid") != owner_uid]
                metadata = {**obj["metadata"], "ownerReferences": kept}
                if not kept:
                    metadata.pop("ownerReferences")
                self.store.put(group, resource, {**obj, "metadata": metadata}, "MODIFIED")

    def _collect_dependents(self, owner_uid: str, namespace: str | None) -> None:
        """Background garbage collection, done synchronously: dependents are deleted with their owner, as the
        collector deletes them (pods on a node stay Terminating while stopping, finalizers hold). A namespaced
        owner's dependents share its namespace."""
        candidates = self.store.namespace_objects(namespace) if namespace else self.store.all_objects()
        for group, resource, obj in candidates:
            owners = obj["metadata"].get("ownerReferences") or []
            if not any(owner.get("uid") == owner_uid for owner in owners):
                continue
            resource_type = self.operations.registry.by_resource(group, resource)
            where, name = obj["metadata"].get("namespace"), obj["metadata"]["name"]
            if resource_type is None:
                if self.store.remove(group, resource, where, name) is not None:
                    self._collect_dependents(obj["metadata"]["uid"], where)
                continue
            try:
                self.delete(resource_type, where, name, False, None, None, None)
            except ApiError:
                continue  # already gone with another owner
