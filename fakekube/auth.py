"""Bearer-token authentication, impersonation, a small RBAC table, and SelfSubjectAccessReview answered from it.

With no grants for a user the user is an administrator, as on a laptop cluster; once a user has any
grant, everything not granted is refused with the real `Forbidden` wording. Identities the server did not
authenticate by token (`system:anonymous`, an impersonated user) have only what was granted to them or their
groups, as on a real cluster.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .impersonation import ANONYMOUS, Subject, impersonated
from .request_info import RequestInfo
from .status import ApiError
from .types import ResourceType

# Requests every authenticated user may make (the system:basic-user and system:discovery roles).
_ALWAYS_ALLOWED = {
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("authentication.k8s.io", "selfsubjectreviews"),
}

# Paths `system:anonymous` may read (the system:public-info-viewer role).
_PUBLIC_PATHS = {"/healthz", "/livez", "/readyz", "/version", "/version/"}


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

    def subject_of(self, headers: Mapping[str, str], impersonation: list[tuple[str, str]]) -> Subject:
        """Who a request acts as: its token's user (anonymous without one), then whom it impersonates.

        Raises the real 401 for a token the server does not know, 403 for impersonation not granted.
        """
        authorization = headers.get("Authorization")
        username = self.identify(authorization)
        if username is None:
            if not self.required:
                requester = Subject(None)
            elif authorization:
                raise ApiError(401, "Unauthorized", "Unauthorized")
            else:
                requester = Subject(ANONYMOUS, ("system:unauthenticated",))
        else:
            requester = Subject(username, (*self.user_groups.get(username, []), "system:authenticated"))
        if not impersonation:
            return requester
        return impersonated(requester, impersonation, self.allowed)

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

    def _grants_of(self, subject: Subject) -> list[Grant] | None:
        """The subject's grants (direct or through a group); None when the subject is unrestricted."""
        if subject.username is None or "system:masters" in subject.groups:
            return None
        subjects = {subject.username, *subject.groups}
        mine = [grant for grant in self.grants if grant.subject in subjects]
        if not mine and subject.authenticated and subject.impersonator is None:
            return None  # a token's user with no grants: the laptop administrator
        return mine

    def allowed(
        self, subject: Subject, verb: str, group: str, resource: str, namespace: str | None
    ) -> tuple[bool, str]:
        """Whether `subject` may `verb` the resource, with the RBAC reason the real authorizer gives."""
        username = subject.username
        grants = self._grants_of(subject)
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

    def authorize(self, subject: Subject, info: RequestInfo) -> None:
        """Raise the real 403 when `subject` may not make this request."""
        username = subject.username
        if username is None:
            return  # no authentication required and none presented: the laptop administrator
        if not info.is_resource:
            if subject.authenticated or info.path in _PUBLIC_PATHS:
                return
            raise ApiError(
                403,
                f'forbidden: User "{username}" cannot {info.verb} path "{info.path}"',
                "Forbidden",
            )
        if (info.group, info.resource) in _ALWAYS_ALLOWED and subject.authenticated:
            return
        resource = f"{info.resource}/{info.subresource}" if info.subresource else info.resource
        namespace = info.namespace
        allowed, _ = self.allowed(subject, info.rbac_verb, info.group, resource, namespace)
        if allowed:
            return
        qualified = f"{info.resource}.{info.group}" if info.group else info.resource
        target = f'{qualified} "{info.name}"' if info.name else qualified
        scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
        message = (
            f'{target} is forbidden: User "{username}" cannot {info.rbac_verb} resource "{resource}" '
            f'in API group "{info.group}" {scope}'
        )
        raise ApiError(403, message, "Forbidden", name=info.name, group=info.group, kind=info.resource)

    def review(self, subject: Subject, resource_type: ResourceType, body: Any) -> dict[str, Any]:
        """A SelfSubjectAccessReview, SelfSubjectRulesReview or SelfSubjectReview, answered from the grants."""
        if not isinstance(body, dict):
            raise ApiError(400, "the body must be a SelfSubjectAccessReview", "BadRequest")
        spec = body.get("spec") or {}
        if resource_type.plural == "selfsubjectreviews":
            return self._who_am_i(subject)
        if resource_type.plural == "selfsubjectrulesreviews":
            return self._rules_review(subject, spec)
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
                subject,
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

    def _who_am_i(self, subject: Subject) -> dict[str, Any]:
        """authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`); no token is the kind-style admin."""
        user: dict[str, Any]
        if subject.username is None:
            user = {"username": "kubernetes-admin", "groups": ["kubeadm:cluster-admins", "system:authenticated"]}
        else:
            user = {"username": subject.username, "groups": list(subject.groups)}
            if subject.extra:
                user["extra"] = {key: list(values) for key, values in subject.extra}
        return {
            "kind": "SelfSubjectReview",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": None},
            "status": {"userInfo": user},
        }

    def _rules_review(self, subject: Subject, spec: dict[str, Any]) -> dict[str, Any]:
        grants = self._grants_of(subject)
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
