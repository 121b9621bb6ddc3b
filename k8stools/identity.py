"""Who is calling: the one small interface through which k8stools learns the caller's identity.

The OAuth gateway (or nothing, without OAuth) puts a `Caller` into the request; k8stools never
imports the gateway. `Caller.id_token` is the user's upstream OIDC ID token when downstream
OAuth is on: the Kubernetes API then sees the user, and the cluster's RBAC applies per person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Where the ASGI layer leaves the caller in the request scope.
SCOPE_KEY = "kubemcp.caller"


@dataclass(frozen=True, slots=True)
class Caller:
    username: str = "local"
    user_id: int | None = None
    is_staff: bool = False
    client_id: str = ""
    # The upstream ID token, when each call must reach Kubernetes as this user (downstream OAuth).
    id_token: str | None = None
    # True when downstream OAuth is on: no token means no access, never the server's credentials.
    requires_own_credentials: bool = False

    @property
    def key(self) -> str:
        """A stable key for per-user state (current context, port-forwards)."""
        return f"user:{self.user_id}" if self.user_id is not None else self.username

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
