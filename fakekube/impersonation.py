"""Who a request acts as, and the `Impersonate-*` headers that change it, checked the way the API server's
impersonation filter does: each header needs the `impersonate` verb on its own resource, and RBAC then decides
every request for the impersonated identity alone."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .status import ApiError

ANONYMOUS = "system:anonymous"
IMPERSONATE_USER = "impersonate-user"
IMPERSONATE_GROUP = "impersonate-group"
IMPERSONATE_UID = "impersonate-uid"
IMPERSONATE_EXTRA = "impersonate-extra-"

Allowed = Callable[["Subject", str, str, str, "str | None"], tuple[bool, str]]


@dataclass(frozen=True)
class Subject:
    """An identity: `username` None is the unauthenticated laptop administrator (no auth required)."""

    username: str | None
    groups: tuple[str, ...] = ()
    impersonator: str | None = None
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def authenticated(self) -> bool:
        return "system:authenticated" in self.groups


def impersonation_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The `Impersonate-*` headers of a request, names lower-cased, in order (a header may repeat)."""
    return [(name.lower(), value) for name, value in headers if name.lower().startswith("impersonate-")]


def _service_account(username: str) -> tuple[str, str] | None:
    parts = username.split(":")
    if len(parts) == 4 and parts[:2] == ["system", "serviceaccount"] and all(parts[2:]):
        return parts[2], parts[3]
    return None


def impersonated(requester: Subject, headers: list[tuple[str, str]], allowed: Allowed) -> Subject:
    """The identity a request with `Impersonate-*` headers acts as, once the requester may impersonate it."""
    users = [value for name, value in headers if name == IMPERSONATE_USER]
    groups = [value for name, value in headers if name == IMPERSONATE_GROUP]
    uids = [value for name, value in headers if name == IMPERSONATE_UID]
    extra: dict[str, list[str]] = {}
    for name, value in headers:
        if name.startswith(IMPERSONATE_EXTRA):
            extra.setdefault(name[len(IMPERSONATE_EXTRA) :], []).append(value)
    if len(users) != 1 or not users[0]:
        raise ApiError(400, "requested impersonation without exactly one Impersonate-User", "BadRequest")
    username = users[0]
    checks: list[tuple[str, str, str, str | None]] = []  # (name, API group, resource, namespace)
    service_account = _service_account(username)
    if service_account is not None:
        checks.append((service_account[1], "", "serviceaccounts", service_account[0]))
    else:
        checks.append((username, "", "users", None))
    checks += [(group, "", "groups", None) for group in groups]
    checks += [(uid, "authentication.k8s.io", "uids", None) for uid in uids]
    checks += [
        (value, "authentication.k8s.io", f"userextras/{key}", None) for key, values in extra.items() for value in values
    ]
    for name, api_group, resource, namespace in checks:
        if not allowed(requester, "impersonate", api_group, resource, namespace)[0]:
            qualified = f"{resource.split('/')[0]}.{api_group}" if api_group else resource
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            raise ApiError(
                403,
                f'{qualified} "{name}" is forbidden: User "{requester.username}" cannot impersonate resource '
                f'"{resource}" in API group "{api_group}" {scope}',
                "Forbidden",
                name=name,
                group=api_group,
                kind=resource.split("/")[0],
            )
    implied = ["system:authenticated"]
    if service_account is not None:
        implied = ["system:serviceaccounts", f"system:serviceaccounts:{service_account[0]}", *implied]
    all_groups = tuple(dict.fromkeys([*groups, *implied])) if username != ANONYMOUS else tuple(groups)
    return Subject(
        username,
        all_groups,
        impersonator=requester.username or "kubernetes-admin",
        extra=tuple((key, tuple(values)) for key, values in extra.items()),
    )
