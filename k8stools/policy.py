"""The guardrails: which operations may run and which namespaces are off limits.

One `Policy` value decides for every tool; `GuardedClient` (k8stools.guard) applies it to every
request that reaches the API server, so no tool can go around it. The effective policy is the
admin-edited row in the database over the environment defaults, re-read every few seconds so an
edit reaches every worker without a restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from k8stools.config import MUTATING_OPERATIONS, ServerConfig

# Operations whose effect cannot be simulated: dry-run does not make them safe, so it does not
# unblock them (upstream lets dry-run unblock exec and port-forward, which then run for real).
NOT_DRY_RUNNABLE = frozenset({"exec", "port-forward", "helm"})


class PolicyDenied(Exception):
    """The policy forbids this call; the message says why and what would allow it."""


@dataclass(frozen=True, slots=True)
class Policy:
    non_destructive: bool = True
    dry_run: bool = False
    allowed_operations: frozenset[str] = field(default_factory=frozenset)
    restricted_namespaces: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_config(cls, config: ServerConfig) -> Policy:
        return cls(
            non_destructive=config.non_destructive,
            dry_run=config.dry_run,
            allowed_operations=config.allowed_operations,
            restricted_namespaces=config.restricted_namespaces,
        )

    def allows(self, operation: str) -> bool:
        """May `operation` run at all (for real, or as a dry run)?"""
        if operation not in MUTATING_OPERATIONS or not self.non_destructive:
            return True
        if operation in self.allowed_operations:
            return True
        return self.dry_run and operation not in NOT_DRY_RUNNABLE

    def dry_run_for(self, operation: str) -> bool:
        """Must a mutation by `operation` be sent with `dryRun=All`?"""
        return self.dry_run and operation in MUTATING_OPERATIONS and operation not in NOT_DRY_RUNNABLE

    def check_operation(self, operation: str) -> None:
        if not self.allows(operation):
            raise PolicyDenied(denial_message(operation, self))

    def is_restricted(self, namespace: str | None) -> bool:
        return bool(namespace) and namespace in self.restricted_namespaces

    def check_namespace(self, namespace: str | None) -> None:
        if self.is_restricted(namespace):
            raise PolicyDenied(f'access to namespace "{namespace}" is restricted by the server policy')

    def check_namespaces(self, namespaces: Iterable[str | None]) -> None:
        for namespace in namespaces:
            self.check_namespace(namespace)


def denial_message(operation: str, policy: Policy) -> str:
    title = operation.replace("-", " ")
    if operation in NOT_DRY_RUNNABLE:
        return (
            f"{title} is not allowed in non-destructive mode, and dry-run cannot make it safe; "
            f"an operator can allow it with ALLOWED_OPERATIONS={operation} or in the admin policy"
        )
    return (
        f"{title} is not allowed in non-destructive mode; turn on dry-run to validate without changing "
        f"anything, or ask an operator to allow '{operation}'"
    )


class PolicySource:
    """The effective policy: the database row over the configuration, cached for `refresh_seconds`."""

    def __init__(
        self,
        config_source: Callable[[], ServerConfig],
        *,
        refresh_seconds: float = 2.0,
        loader: Callable[[Policy], Policy] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config_source = config_source
        self.refresh_seconds = refresh_seconds
        self._loader = loader or load_policy_from_database
        self._clock = clock
        self._cached: Policy | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def current(self) -> Policy:
        """The policy now; reads the database at most once per `refresh_seconds` (call from sync code)."""
        with self._lock:
            now = self._clock()
            if self._cached is None or now - self._loaded_at >= self.refresh_seconds:
                self._cached = self._loader(Policy.from_config(self._config_source()))
                self._loaded_at = now
            return self._cached

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None


def load_policy_from_database(defaults: Policy) -> Policy:
    """The admin-edited policy row, or `defaults` when nobody has edited the policy yet."""
    from k8stools.models import PolicySettings

    row: Any = PolicySettings.objects.filter(pk=PolicySettings.SINGLETON_ID).first()
    return row.as_policy() if row is not None else defaults
