"""`FakeCluster`: the fake Kubernetes API server's state and its entry points for tests."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from .auth import AccessControl
from .certificates import issue_serving_certificate
from .controllers import Controllers
from .crds import CustomResources
from .defaults import apply_defaults
from .deletion import POD_SHUTDOWN_SECONDS
from .faults import Faults
from .handlers import RestHandlers
from .middleware import build_middlewares
from .objects import new_uid, now_timestamp
from .operations import Operations
from .recording import RecordedRequest, RequestLog
from .runtime import PodRuntime, setup_runtime_routes
from .seed import seed_cluster
from .serving import RunningServer, run_forever
from .status import ApiError
from .store import Store
from .system_objects import SystemObjects, api_server_objects
from .types import ResourceType, TypeRegistry
from .validation import validate
from .watch import BOOKMARK_SECONDS

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class FakeCluster:
    """A faithful-enough Kubernetes API server over real HTTP, with direct access for tests.

    `controllers=False` turns off the workload controllers and pod start-up; `metrics_api=False` removes
    metrics.k8s.io from discovery. As on every real cluster, the `kubernetes` Service, Endpoints and
    EndpointSlice, a `kube-root-ca.crt` ConfigMap and a `default` ServiceAccount in every namespace and a Lease
    per node exist unasked; `system_objects=False` leaves them out (only `default/default` is there), for tests
    that need a bare cluster. A deleted running pod stays Terminating for `pod_shutdown_seconds` (the time its
    containers take to stop; 0 removes it as soon as the Terminating state is stored).
    """

    def __init__(
        self,
        metrics_api: bool = True,
        controllers: bool = True,
        system_objects: bool = True,
        pod_shutdown_seconds: float = POD_SHUTDOWN_SECONDS,
    ) -> None:
        self.registry = TypeRegistry.builtin(metrics_api=metrics_api)
        self.store = Store()
        self.operations = Operations(self.registry, self.store)
        self.operations.validators.append(validate)
        self.operations.deleter.pod_shutdown_seconds = pod_shutdown_seconds
        self.controllers = Controllers(self.operations) if controllers else None
        self.custom_resources = CustomResources(self.operations)
        if system_objects:
            self.operations.after_write.append(SystemObjects(self.store).after_write)
        self.auth = AccessControl()
        self.faults = Faults()
        self.request_log = RequestLog()
        self.runtime = PodRuntime()
        self.rest = RestHandlers(self)
        self.serving_ca_pem: bytes | None = None
        # How often watches that allow bookmarks get one (tests shorten it).
        self.watch_bookmark_seconds = BOOKMARK_SECONDS
        for namespace in SYSTEM_NAMESPACES:
            self.add_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        if not system_objects:
            self.add_object(
                {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "default"}}
            )
        for obj in api_server_objects() if system_objects else []:
            self.add_object(obj)

    # -- serving -------------------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application(middlewares=build_middlewares(self), client_max_size=64 * 1024**2)
        app.router.add_get("/version", self.rest.version)
        app.router.add_get("/version/", self.rest.version)
        app.router.add_get("/openapi/v2", self.rest.openapi_v2)
        app.router.add_get("/openapi/v3", self.rest.openapi_index)
        app.router.add_get("/openapi/v3/{path:.+}", self.rest.openapi_group_version)
        for path in ("/healthz", "/livez", "/readyz"):
            app.router.add_get(path, self.rest.health)
        setup_runtime_routes(app, self)
        return app

    def serve(self, host: str = "127.0.0.1", port: int = 0, tls: bool = False) -> RunningServer:
        """Start serving in a background thread; use as `with cluster.serve() as running:`.

        `tls=True` serves HTTPS with a fresh self-signed CA (kubectl and client-go send bearer tokens only over
        TLS); `running.write_kubeconfig` then includes the CA."""
        certificate = issue_serving_certificate((host, "localhost")) if tls else None
        return RunningServer(self.build_app, host, port, certificate).start()

    def run_forever(
        self,
        host: str = "127.0.0.1",
        port: int = 8001,
        on_ready: Callable[[str], None] | None = None,
        tls: bool = False,
    ) -> None:
        """Serve in the foreground until interrupted; `on_ready(url)` once listening. With `tls=True` the CA
        to trust is `self.serving_ca_pem`."""
        certificate = issue_serving_certificate((host, "localhost")) if tls else None
        self.serving_ca_pem = certificate.ca_pem if certificate else None
        run_forever(self.build_app(), host, port, on_ready, certificate)

    # -- arranging state -----------------------------------------------------------------------------

    def seed(self, pods: int = 50, namespaces: int = 3, nodes: int = 3, seed: int = 7) -> None:
        """Fill the cluster with realistic workloads: exactly `pods` pods over `namespaces` namespaces."""
        # The seed writes its own deterministic event history; controllers record none while it fills the cluster.
        emitting = self.controllers is not None and self.controllers.emit_events
        if self.controllers is not None:
            self.controllers.emit_events = False
        try:
            seed_cluster(self, pods=pods, namespaces=namespaces, nodes=nodes, seed=seed)
        finally:
            if self.controllers is not None:
                self.controllers.emit_events = emitting

    def resource_type(self, resource: str, group: str = "") -> ResourceType:
        found = self.registry.by_resource(group, resource)
        if found is None:
            raise KeyError(f"unknown resource {resource!r} in group {group!r}")
        return found

    def add_object(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Store `obj` as given (status included), creating its namespace if needed; replaces an existing one.

        Server fields (uid, creationTimestamp, resourceVersion) are filled in when absent, and controllers
        react as they would to an API write.
        """
        body = copy.deepcopy(dict(obj))
        resource_type = self.registry.by_kind(body.get("apiVersion", ""), body.get("kind", ""))
        if resource_type is None:
            raise KeyError(f"unknown kind {body.get('kind')!r} in {body.get('apiVersion')!r}")
        metadata = body.setdefault("metadata", {})
        with self.store.lock:
            if resource_type.namespaced:
                metadata.setdefault("namespace", "default")
                if self.store.get("", "namespaces", None, metadata["namespace"]) is None:
                    self.add_object(
                        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": metadata["namespace"]}}
                    )
            else:
                metadata.pop("namespace", None)
            old = self.store.get(resource_type.group, resource_type.plural, metadata.get("namespace"), metadata["name"])
            metadata.setdefault("uid", old["metadata"]["uid"] if old else new_uid())
            metadata.setdefault("creationTimestamp", old["metadata"]["creationTimestamp"] if old else now_timestamp())
            if ("spec" in body or resource_type.custom) and "generation" not in metadata:
                metadata["generation"] = old["metadata"].get("generation", 1) if old else 1
            body = apply_defaults(resource_type.group, resource_type.plural, body)
            for admit in self.operations.admission:
                admit(resource_type, old, body)
            stored = self.store.put(resource_type.group, resource_type.plural, body, "MODIFIED" if old else "ADDED")
            self.operations.notify(resource_type, old, stored)
            return stored

    def get_object(self, resource: str, namespace: str | None, name: str, group: str = "") -> dict[str, Any] | None:
        """The stored object (do not mutate it), or None."""
        resource_type = self.registry.by_resource(group, resource)
        if resource_type is None:
            return None
        return self.store.get(group, resource, namespace if resource_type.namespaced else None, name)

    def list_objects(self, resource: str, namespace: str | None = None, group: str = "") -> list[dict[str, Any]]:
        return self.store.items(group, resource, namespace)

    def delete_object(self, resource: str, namespace: str | None, name: str, group: str = "") -> dict[str, Any] | None:
        """Delete like the API would (dependents and namespace contents go too); None when absent.

        An object with finalizers, a namespace that still holds such objects, or a pod whose containers are
        stopping (see `Deleter.pod_shutdown_seconds`) stays, Terminating; the object as deleted is returned."""
        try:
            return self.operations.delete(self.resource_type(resource, group), namespace, name)
        except ApiError:
            return None

    # -- auth, recording -----------------------------------------------------------------------------

    def require_auth(self, tokens: Mapping[str, str], groups: Mapping[str, list[str]] | None = None) -> None:
        """Refuse requests without a known bearer token (401); `tokens` maps token -> username,
        `groups` maps username -> group names usable as grant subjects."""
        self.auth.require(tokens, groups)

    def grant(
        self,
        username: str,
        verbs: list[str],
        resources: list[str],
        namespaces: list[str] | None = None,
        groups: list[str] | None = None,
    ) -> None:
        """Restrict `username` (or a group) to what its grants allow; `groups` are API groups (None: any)."""
        self.auth.grant(username, verbs, resources, namespaces, groups)

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.request_log.snapshot()

    def clear_requests(self) -> None:
        self.request_log.clear()

    def mutations(self) -> list[RecordedRequest]:
        """Requests that changed (or would have changed) state: writes and connects that were not dry runs."""
        return [entry for entry in self.requests if entry.is_mutation]
