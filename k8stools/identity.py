"""Who is calling: the one small interface through which k8stools learns the caller's identity.

The OAuth gateway (or nothing, without OAuth) puts a `Caller` into the request; k8stools never
imports the gateway. How a call then reaches Kubernetes is the caller's `downstream` mode:
`off` (the server's own credentials), `passthrough` (`id_token`, the user's upstream OIDC ID
token, as bearer: the API server must trust the issuer) or `impersonate` (the server's own
credentials with `Impersonate-*` headers naming the person, so the cluster's RBAC decides for them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Where the ASGI layer leaves the caller in the request scope.
SCOPE_KEY = "kubemcp.caller"

DOWNSTREAM_AUTH_MODES = ("off", "passthrough", "impersonate")
# Sent with every impersonated request, so the cluster's audit log shows which agent acted for the person.
AGENT_EXTRA = ("Impersonate-Extra-agent", "kubemcp")
# A user or group name longer than this is refused rather than sent (Kubernetes names users by email or subject).
MAX_IDENTITY_LENGTH = 256
MAX_GROUPS = 100


class IdentityError(ValueError):
    """The upstream identity cannot name a person for impersonation (missing or malformed claim)."""


@dataclass(frozen=True, slots=True)
class Impersonation:
    """The person a call acts as, as the API server's impersonation filter receives them."""

    user: str
    groups: tuple[str, ...] = ()

    def headers(self) -> list[tuple[str, str]]:
        """The request headers, one `Impersonate-Group` per group (the API server reads repeated headers)."""
        return [("Impersonate-User", self.user), *(("Impersonate-Group", group) for group in self.groups), AGENT_EXTRA]

    def describe(self) -> str:
        groups = f" (groups: {', '.join(self.groups)})" if self.groups else ""
        return f"{self.user}{groups}"


def _clean(value: Any, what: str) -> str:
    # A header value: no control characters (CR/LF would split the request), not empty, bounded.
    if not isinstance(value, str) or not value.strip():
        raise IdentityError(f"the {what} is missing or not a string")
    if len(value) > MAX_IDENTITY_LENGTH or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise IdentityError(f"the {what} is not a usable Kubernetes name")
    if not value.isascii():
        # HTTP header values are Latin-1 on the wire; anything else would reach the API server mangled.
        raise IdentityError(f"the {what} has characters an HTTP header cannot carry")
    return value


def impersonation_from_claims(
    claims: Mapping[str, Any], *, user_claim: str, groups_claim: str = "", groups_prefix: str = ""
) -> Impersonation:
    """The person named by verified ID token claims; `IdentityError` when the user claim is unusable.

    The groups claim is optional (absent: no groups), but when present it must be a list of names.
    """
    user = _clean(claims.get(user_claim), f"'{user_claim}' claim of your identity token")
    if user.startswith("system:"):
        # Kubernetes' own users (system:kube-controller-manager, service accounts) are never anyone's login.
        raise IdentityError(f"the '{user_claim}' claim of your identity token names a user reserved by Kubernetes")
    groups: list[str] = []
    if groups_claim and claims.get(groups_claim) is not None:
        raw = claims[groups_claim]
        if not isinstance(raw, list) or len(raw) > MAX_GROUPS:
            raise IdentityError(f"the '{groups_claim}' claim of your identity token is not a list of group names")
        for group in raw:
            name = _clean(groups_prefix + group if isinstance(group, str) else group, f"group name in '{groups_claim}'")
            if name.startswith("system:"):
                # The server must never hand out Kubernetes' built-in groups (system:masters) on an IdP's word.
                raise IdentityError(f"the group {name!r} in '{groups_claim}' is reserved by Kubernetes")
            groups.append(name)
    return Impersonation(user, tuple(dict.fromkeys(groups)))


@dataclass(frozen=True, slots=True)
class Caller:
    username: str = "local"
    user_id: int | None = None
    is_staff: bool = False
    client_id: str = ""
    # The upstream ID token, when each call must reach Kubernetes as this user (passthrough).
    id_token: str | None = None
    # True in passthrough and impersonate modes: no usable identity means no access, never the server's.
    requires_own_credentials: bool = False
    downstream: str = "off"
    # The person to impersonate (impersonate mode), None when the upstream identity could not name one.
    impersonation: Impersonation | None = None
    # Why `impersonation` is None, for the caller's error message (never holds a token).
    identity_problem: str = ""
    # Scopes the access token grants ("mcp", "mcp:read"); empty without OAuth.
    scopes: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        """A stable key for per-user state (current context, port-forwards)."""
        return f"user:{self.user_id}" if self.user_id is not None else self.username

    @property
    def kube_identity(self) -> str:
        """Who Kubernetes sees for this caller's calls, as the audit record names it."""
        if self.downstream == "impersonate":
            return f"impersonated {self.impersonation.describe()}" if self.impersonation else "none (refused)"
        if self.requires_own_credentials:
            return "own ID token" if self.id_token else "none (refused)"
        return "server credentials"

    def __repr__(self) -> str:  # never print the token
        return f"Caller(username={self.username!r}, user_id={self.user_id!r}, is_staff={self.is_staff!r})"


LOCAL = Caller()


def caller_from_scope(scope: Any) -> Caller:
    """The caller the ASGI layer recorded, or the local user when nothing authenticated the request."""
    if isinstance(scope, dict):
        caller = scope.get(SCOPE_KEY)
        if isinstance(caller, Caller):
            return caller
    return LOCAL
