"""The guardrails: which operations may run and which namespaces are off limits.

One `Policy` value decides for every tool; `GuardedClient` (k8stools.guard) applies it to every
request that reaches the API server, so no tool can go around it. The effective policy is the
environment defaults with the admin's per-field overrides on top (`PolicyOverrides`); `PolicySource`
reads it again whenever a shared version changes, so an edit reaches every worker on its next call.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

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

    def narrowed_to_reading(self) -> Policy:
        """This policy with every mutation forbidden (no dry-run either, which would let some through as
        validations) and its namespace restrictions kept."""
        return dataclasses.replace(self, non_destructive=True, dry_run=False, allowed_operations=frozenset())

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


# The policy's fields in the order the admin and the dashboard show them, with the variable each one's
# environment default comes from.
POLICY_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("non_destructive", "Non-destructive mode", "NON_DESTRUCTIVE"),
    ("dry_run", "Dry-run mode", "DRY_RUN"),
    ("allowed_operations", "Operations allowed in non-destructive mode", "ALLOWED_OPERATIONS"),
    ("restricted_namespaces", "Restricted namespaces", "RESTRICTED_NAMESPACES"),
)
FIELD_NAMES = tuple(name for name, _, _ in POLICY_FIELDS)

Source = Literal["environment", "admin override", "READ_ONLY (the server only reads)"]
# The fields READ_ONLY fixes, whatever their default or override.
READ_ONLY_FIELDS = frozenset({"non_destructive", "dry_run", "allowed_operations"})


@dataclass(frozen=True, slots=True)
class PolicyOverrides:
    """What staff changed in the admin: `None` inherits the environment default, any other value replaces it."""

    non_destructive: bool | None = None
    dry_run: bool | None = None
    allowed_operations: frozenset[str] | None = None
    restricted_namespaces: frozenset[str] | None = None

    def apply(self, defaults: Policy) -> Policy:
        """The effective policy: `defaults` with each overridden field replaced."""
        changes = {name: value for name in FIELD_NAMES if (value := getattr(self, name)) is not None}
        return dataclasses.replace(defaults, **changes)

    def as_json(self) -> dict[str, Any]:
        """The overrides as JSON values (sets as sorted lists), for audit records."""
        return {name: _json_value(getattr(self, name)) for name in FIELD_NAMES}


@dataclass(frozen=True, slots=True)
class FieldState:
    """One policy field as an operator needs to see it: default, override, value in force and where it came from."""

    name: str
    label: str
    variable: str
    default: Any
    override: Any
    effective: Any
    pinned: bool = False  # fixed by READ_ONLY

    @property
    def source(self) -> Source:
        if self.pinned:
            return "READ_ONLY (the server only reads)"
        return "environment" if self.override is None else "admin override"


def field_states(defaults: Policy, overrides: PolicyOverrides, *, read_only: bool = False) -> list[FieldState]:
    """Every policy field with its environment default, its override (or None) and its effective value (narrowed
    to reading on a read-only server, as `PolicySource` narrows it)."""
    effective = overrides.apply(defaults)
    if read_only:
        effective = effective.narrowed_to_reading()
    return [
        FieldState(
            name=name,
            label=label,
            variable=variable,
            default=getattr(defaults, name),
            override=getattr(overrides, name),
            effective=getattr(effective, name),
            pinned=read_only and name in READ_ONLY_FIELDS,
        )
        for name, label, variable in POLICY_FIELDS
    ]


def display_value(value: Any) -> str:
    """A policy value as the admin shows it: on/off, a comma-separated list, or "none"."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, frozenset | list | tuple | set):
        return ", ".join(sorted(value)) or "none"
    return "inherited" if value is None else str(value)


def _json_value(value: Any) -> Any:
    return sorted(value) if isinstance(value, frozenset) else value


class PolicySource:
    """The effective policy for one process: read again only when the shared policy version changes.

    `version` returns a token every worker shares (the database's own, `k8stools.shared_versions`); any write of
    the policy replaces it in the writer's transaction, so the next call in any worker reads the edit, with no
    polling interval. A version that cannot be read (database down) means "unknown": the policy is read from the
    database on every call until it can be read again.
    """

    def __init__(
        self,
        config_source: Callable[[], ServerConfig],
        *,
        loader: Callable[[Policy], Policy] | None = None,
        version: Callable[[], str | None] | None = None,
    ) -> None:
        self._config_source = config_source
        self._loader = loader or _load_from_database
        self._version = version or _shared_version
        self._cached: Policy | None = None
        self._cached_token: str | None = None
        self._cached_config: ServerConfig | None = None
        self._lock = threading.Lock()

    def current(self) -> Policy:
        """The policy now (call from sync code: it may read the database)."""
        token = self._version()
        config = self._config_source()
        with self._lock:
            same_config = config is self._cached_config or config == self._cached_config
            fresh = token is not None and token == self._cached_token and same_config
            if self._cached is None or not fresh:
                policy = self._loader(Policy.from_config(config))
                # A server started read-only (`kubemcp --read-only`, READ_ONLY) stays so whatever the admin overrides.
                self._cached = policy.narrowed_to_reading() if config.read_only else policy
                self._cached_token, self._cached_config = token, config
            return self._cached

    def invalidate(self) -> None:
        with self._lock:
            self._cached = None


def _load_from_database(defaults: Policy) -> Policy:
    from k8stools.policy_store import load_overrides

    return load_overrides().apply(defaults)


def _shared_version() -> str | None:
    from k8stools.policy_store import policy_version

    return policy_version()
