"""Bearer-token authentication, a small RBAC table, and SelfSubjectAccessReview answered from it.

With no grants for a user the user is an administrator, as on a laptop cluster; once a user has any
grant, everything not granted is refused with the real `Forbidden` wording.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .request_info import RequestInfo
from .status import ApiError
from .types import ResourceType

# Requests every authenticated user may make (the system:basic-user and system:discovery roles).
_ALWAYS_ALLOWED = {
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("authentication.k8s.io", "selfsubjectreviews"),
}


@dataclass(frozen=True)
class Grant:
    subject: str
    verbs: tuple[str, ...]
    resources: tuple[str, ...]
    namespaces: tuple[str, ...] | None
    api_groups: tuple[str, ...] | None

    def allows(self, verb: str, group: str, resource: str, namespace: str | None) -> bool:
        resource_ok = any(
            r in ("*", resource) or (r.startswith("*/") and resource.endswith(r[1:])) for r in self.resources
        )
        verb_ok = "*" in self.verbs or verb in self.verbs
        group_ok = self.api_groups is None or "*" in self.api_groups or group in self.api_groups
        namespace_ok = self.namespaces is None or (namespace is not None and namespace in self.namespaces)
        return resource_ok and verb_ok and group_ok and namespace_ok


@dataclass
class AccessControl:
    tokens: dict[str, str] = field(default_factory=dict)
    user_groups: dict[str, list[str]] = field(default_factory=dict)
    required: bool = False
    grants: list[Grant] = field(default_factory=list)

    def require(self, tokens: Mapping[str, str], groups: Mapping[str, list[str]] | None = None) -> None:
        self.tokens = dict(tokens)
        self.user_groups = {user: list(names) for user, names in (groups or {}).items()}
        self.required = True

    def disable(self) -> None:
        self.required = False

    def identify(self, authorization: str | None) -> str | None:
        """The username behind an `Authorization: Bearer` header, or None."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        presented = authorization[7:].strip()
        for token, username in self.tokens.items():
            if hmac.compare_digest(token.encode(), presented.encode()):
                return username
        return None

    def grant(
        self,
        username: str,
        verbs: list[str],
        resources: list[str],
        namespaces: list[str] | None = None,
        groups: list[str] | None = None,
    ) -> None:
        self.grants.append(
            Grant(
                username,
                tuple(verbs),
                tuple(resources),
                tuple(namespaces) if namespaces is not None else None,
                tuple(groups) if groups is not None else None,
            )
        )

    def revoke_all(self) -> None:
        self.grants.clear()

    def _grants_of(self, username: str | None) -> list[Grant] | None:
        """The user's grants (direct or through a group); None when the user is unrestricted."""
        if username is None:
            return None
        subjects = {username, *self.user_groups.get(username, [])}
        mine = [grant for grant in self.grants if grant.subject in subjects]
        return mine or None

    def allowed(
        self, username: str | None, verb: str, group: str, resource: str, namespace: str | None
    ) -> tuple[bool, str]:
        grants = self._grants_of(username)
        if grants is None:
            return True, (
                'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" '
                'to Group "system:masters"'
            )
        for grant in grants:
            if grant.allows(verb, group, resource, namespace):
                if grant.namespaces is None:
                    return True, (
                        f'RBAC: allowed by ClusterRoleBinding "{grant.subject}" of ClusterRole '
                        f'"{grant.subject}" to User "{username}"'
                    )
                return True, (
                    f'RBAC: allowed by RoleBinding "{grant.subject}/{namespace}" of Role '
                    f'"{grant.subject}" to User "{username}"'
                )
        return False, ""

    def authorize(self, username: str | None, info: RequestInfo) -> None:
        """Raise the real 403 when `username` may not make this request."""
        if not info.is_resource or (info.group, info.resource) in _ALWAYS_ALLOWED:
            return
        resource = f"{info.resource}/{info.subresource}" if info.subresource else info.resource
        namespace = info.namespace
        allowed, _ = self.allowed(username, info.rbac_verb, info.group, resource, namespace)
        if allowed:
            return
        qualified = f"{info.resource}.{info.group}" if info.group else info.resource
        subject = f'{qualified} "{info.name}"' if info.name else qualified
        scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
        message = (
            f'{subject} is forbidden: User "{username}" cannot {info.rbac_verb} resource "{resource}" '
            f'in API group "{info.group}" {scope}'
        )
        raise ApiError(403, message, "Forbidden", name=info.name, group=info.group, kind=info.resource)

    def review(self, username: str | None, resource_type: ResourceType, body: Any) -> dict[str, Any]:
        """A SelfSubjectAccessReview, SelfSubjectRulesReview or SelfSubjectReview, answered from the grants."""
        if not isinstance(body, dict):
            raise ApiError(400, "the body must be a SelfSubjectAccessReview", "BadRequest")
        spec = body.get("spec") or {}
        if resource_type.plural == "selfsubjectreviews":
            return self._who_am_i(username)
        if resource_type.plural == "selfsubjectrulesreviews":
            return self._rules_review(username, spec)
        attributes = spec.get("resourceAttributes")
        if attributes is None and spec.get("nonResourceAttributes") is None:
            raise ApiError(
                422,
                'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: '
                'spec.resourceAttributes: Invalid value: "null": exactly one of '
                "nonResourceAttributes or resourceAttributes must be specified",
                "Invalid",
                group="authorization.k8s.io",
                kind="SelfSubjectAccessReview",
            )
        if attributes is None:
            allowed, reason = (
                True,
                'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole '
                '"system:discovery" to Group "system:authenticated"',
            )
        else:
            resource = attributes.get("resource", "")
            if attributes.get("subresource"):
                resource = f"{resource}/{attributes['subresource']}"
            allowed, reason = self.allowed(
                username,
                attributes.get("verb", ""),
                attributes.get("group", ""),
                resource,
                attributes.get("namespace") or None,
            )
        status: dict[str, Any] = {"allowed": allowed}
        if reason:
            status["reason"] = reason
        return {
            "kind": "SelfSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"creationTimestamp": None},
            "spec": spec,
            "status": status,
        }

    def _who_am_i(self, username: str | None) -> dict[str, Any]:
        """authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`); no token is the kind-style admin."""
        if username is None:
            user = {"username": "kubernetes-admin", "groups": ["kubeadm:cluster-admins", "system:authenticated"]}
        else:
            user = {"username": username, "groups": [*self.user_groups.get(username, []), "system:authenticated"]}
        return {
            "kind": "SelfSubjectReview",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": None},
            "status": {"userInfo": user},
        }

    def _rules_review(self, username: str | None, spec: dict[str, Any]) -> dict[str, Any]:
        grants = self._grants_of(username)
        namespace = spec.get("namespace")
        if grants is None:
            rules = [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]
        else:
            rules = [
                {
                    "verbs": list(grant.verbs),
                    "apiGroups": list(grant.api_groups or ("*",)),
                    "resources": list(grant.resources),
                }
                for grant in grants
                if grant.namespaces is None or namespace in grant.namespaces
            ]
        rules.append(
            {
                "verbs": ["create"],
                "apiGroups": ["authorization.k8s.io"],
                "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
            }
        )
        return {
            "kind": "SelfSubjectRulesReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"creationTimestamp": None},
            "spec": spec,
            "status": {
                "resourceRules": rules,
                "nonResourceRules": [
                    {"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/version"]}
                ],
                "incomplete": False,
            },
        }
