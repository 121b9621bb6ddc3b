"""The `status`, `scale`, `eviction` and service account `token` subresources."""

from __future__ import annotations

import base64
import copy
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from . import patches
from .auth import AccessControl
from .json_paths import read_path, write_path
from .objects import new_uid
from .operations import Operations, WriteOptions
from .selectors import label_selector_from_match, labels_match
from .status import ApiError
from .types import ResourceType

SCALABLE = {("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"), ("", "replicationcontrollers")}


def selector_string(selector: dict[str, Any] | None) -> str:
    if not selector:
        return ""
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return ",".join(f"{key}={value}" for key, value in sorted(selector.items()))
    terms = [f"{key}={value}" for key, value in sorted((selector.get("matchLabels") or {}).items())]
    operators = {"In": "in", "NotIn": "notin"}
    for expression in selector.get("matchExpressions") or []:
        operator = expression["operator"]
        if operator in operators:
            terms.append(f"{expression['key']} {operators[operator]} ({','.join(sorted(expression['values']))})")
        elif operator == "Exists":
            terms.append(expression["key"])
        else:
            terms.append(f"!{expression['key']}")
    return ",".join(terms)


# The scale paths of the built-in workloads; custom resources declare theirs in the CRD.
BUILTIN_SCALE_PATHS = {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}


def scale_of(obj: dict[str, Any], paths: dict[str, str] | None = None) -> dict[str, Any]:
    """The autoscaling/v1 `Scale` view of a workload (or of a custom resource, through its CRD's paths)."""
    metadata = obj["metadata"]
    if paths is None:
        replicas = obj.get("spec", {}).get("replicas", 1)
        status = {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": selector_string(obj.get("spec", {}).get("selector")),
        }
    else:
        replicas = read_path(obj, paths.get("specReplicasPath", "")) or 0
        status = {"replicas": read_path(obj, paths.get("statusReplicasPath", "")) or 0}
        if paths.get("labelSelectorPath") and read_path(obj, paths["labelSelectorPath"]):
            status["selector"] = read_path(obj, paths["labelSelectorPath"])
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            key: metadata[key]
            for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if key in metadata
        },
        "spec": {"replicas": replicas},
        "status": status,
    }


def update_scale(
    operations: Operations,
    resource_type: ResourceType,
    namespace: str | None,
    name: str,
    scale: dict[str, Any],
    options: WriteOptions,
    paths: dict[str, str] | None = None,
) -> dict[str, Any]:
    if not isinstance(scale, dict) or scale.get("kind", "Scale") != "Scale":
        raise ApiError(400, "the body of a scale update must be a Scale", "BadRequest")
    replicas = (scale.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or replicas < 0:
        raise ApiError(
            422,
            f'Scale.autoscaling "{name}" is invalid: spec.replicas: Invalid value: {replicas}: '
            "must be greater than or equal to 0",
            "Invalid",
            name=name,
            group="autoscaling",
            kind="Scale",
        )
    with operations.store.lock:
        live = operations.get(resource_type, namespace, name)
        sent_version = (scale.get("metadata") or {}).get("resourceVersion")
        if sent_version and sent_version != live["metadata"]["resourceVersion"]:
            raise operations.conflict(resource_type, name)
        body = copy.deepcopy(live)
        write_path(body, (paths or BUILTIN_SCALE_PATHS)["specReplicasPath"], replicas)
        body["metadata"].pop("resourceVersion")
        updated = operations.update(resource_type, namespace, name, body, options, options.field_manager)
        return scale_of(updated, paths)


def patch_scale(
    operations: Operations,
    resource_type: ResourceType,
    namespace: str | None,
    name: str,
    patch_type: str,
    patch: Any,
    options: WriteOptions,
    paths: dict[str, str] | None = None,
) -> dict[str, Any]:
    with operations.store.lock:
        current = scale_of(operations.get(resource_type, namespace, name), paths)
        if patch_type == patches.MERGE_PATCH or patch_type == patches.STRATEGIC_PATCH:
            patched = patches.json_merge_patch(current, patch)
        elif patch_type == patches.JSON_PATCH:
            patched = patches.json_patch(current, patch)
        elif patch_type == patches.APPLY_PATCH:
            patched = patches.structural_merge(current, patch)
        else:
            raise ApiError(
                415,
                f"the body of the request was in an unknown format - accepted media types include: "
                f"{patches.JSON_PATCH}, {patches.MERGE_PATCH}, {patches.STRATEGIC_PATCH}, "
                f"{patches.APPLY_PATCH}",
                "UnsupportedMediaType",
            )
        patched["metadata"].pop("resourceVersion", None)
        return update_scale(operations, resource_type, namespace, name, patched, options, paths)


def evict(operations: Operations, namespace: str, name: str, body: Any, dry_run: bool) -> dict[str, Any]:
    """policy/v1 Eviction: deletes the pod (no disruption budget blocks it) and answers 201 Success."""
    pods = operations.registry.by_resource("", "pods")
    assert pods is not None
    if isinstance(body, dict) and body.get("kind") not in (None, "Eviction"):
        raise ApiError(400, f"the body must be an Eviction, not {body.get('kind')}", "BadRequest")
    eviction_name = ((body or {}).get("metadata") or {}).get("name") if isinstance(body, dict) else None
    if eviction_name and eviction_name != name:
        raise ApiError(400, "name in URL does not match name in Eviction object", "BadRequest")
    with operations.store.lock:
        pod = operations.get(pods, namespace, name)
        blocking = _blocking_budget(operations, pod)
        if blocking is not None:
            status = blocking.get("status") or {}
            raise ApiError(
                429,
                "Cannot evict pod as it would violate the pod's disruption budget.",
                "TooManyRequests",
                causes=[
                    {
                        "reason": "DisruptionBudget",
                        "message": f"The disruption budget {blocking['metadata']['name']} needs "
                        f"{status.get('desiredHealthy', 0)} healthy pods and has "
                        f"{status.get('currentHealthy', 0)} currently",
                    }
                ],
            )
        # The eviction's deleteOptions are those of the pod's deletion (its grace period, its preconditions).
        options = (body.get("deleteOptions") or {}) if isinstance(body, dict) else {}
        grace = options.get("gracePeriodSeconds")
        operations.delete(
            pods,
            namespace,
            name,
            dry_run=dry_run,
            preconditions=options.get("preconditions"),
            grace_period_seconds=grace if isinstance(grace, int) else None,
        )
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def _blocking_budget(operations: Operations, pod: dict[str, Any]) -> dict[str, Any] | None:
    """A PodDisruptionBudget selecting the pod whose status allows no more disruptions."""
    for budget in operations.store.items("policy", "poddisruptionbudgets", pod["metadata"]["namespace"]):
        requirements = label_selector_from_match(budget.get("spec", {}).get("selector"))
        status = budget.get("status") or {}
        if (
            requirements
            and labels_match(requirements, pod)
            and "disruptionsAllowed" in status
            and status["disruptionsAllowed"] <= 0
        ):
            return budget
    return None


def issue_token(
    operations: Operations, access: AccessControl, namespace: str, name: str, body: Any, dry_run: bool
) -> dict[str, Any]:
    """authentication.k8s.io/v1 TokenRequest for a service account: a JWT-shaped token that the fake then
    accepts as `system:serviceaccount:<namespace>:<name>`."""
    accounts = operations.registry.by_resource("", "serviceaccounts")
    assert accounts is not None
    account = operations.get(accounts, namespace, name)
    spec = dict((body or {}).get("spec") or {}) if isinstance(body, dict) else {}
    lifetime = int(spec.get("expirationSeconds") or 3600)
    spec["expirationSeconds"] = lifetime
    spec.setdefault("audiences", ["https://kubernetes.default.svc.cluster.local"])
    spec.setdefault("boundObjectRef", None)
    issued = datetime.now(UTC).replace(microsecond=0)
    expires = issued + timedelta(seconds=lifetime)
    username = f"system:serviceaccount:{namespace}:{name}"
    claims = {
        "aud": spec["audiences"],
        "exp": int(expires.timestamp()),
        "iat": int(issued.timestamp()),
        "iss": "https://kubernetes.default.svc.cluster.local",
        "jti": new_uid(),
        "nbf": int(issued.timestamp()),
        "sub": username,
        "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": name, "uid": account["metadata"]["uid"]}},
    }

    def segment(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")

    token = f"{segment({'alg': 'RS256', 'kid': 'fakekube'})}.{segment(claims)}.{secrets.token_urlsafe(32)}"
    if not dry_run:
        access.tokens[token] = username
        access.user_groups[username] = ["system:serviceaccounts", f"system:serviceaccounts:{namespace}"]
    return {
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": None},
        "spec": spec,
        "status": {"token": token, "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ")},
    }
