"""`ServerConfig`: the server's configuration as one immutable value.

Built once from Django settings; a change produces a new value (`config.replace(...)`) and is
never made in place, so a tool call that started with one configuration finishes with it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# Operations that change the cluster (or open a way into it). Non-destructive mode blocks them
# unless dry-run is on or the operation is explicitly allowed.
MUTATING_OPERATIONS = frozenset(
    {"create", "apply", "delete", "patch", "scale", "rollout", "exec", "port-forward", "node-management", "helm"}
)
READ_OPERATIONS = frozenset(
    {
        "get",
        "list",
        "describe",
        "logs",
        "events",
        "top",
        "api-resources",
        "cluster-health",
        "can-i",
        "context",
        "explain",
    }
)
KNOWN_OPERATIONS = MUTATING_OPERATIONS | READ_OPERATIONS
# CONFIRM_DESTRUCTIVE's values (k8stools.confirmation); here so that the settings read them without the MCP SDK.
CONFIRM_MODES = ("off", "ask", "required")


@dataclass(frozen=True, slots=True)
class ServerConfig:
    server_name: str = "kubemcp"
    server_version: str = "0.1.0"
    default_namespace: str = "default"
    kubeconfig: str = ""
    kube_context: str = ""
    in_cluster: bool = False
    non_destructive: bool = True
    dry_run: bool = False
    allowed_operations: frozenset[str] = field(default_factory=frozenset)
    restricted_namespaces: frozenset[str] = field(default_factory=frozenset)
    qps: float = 20.0
    burst: int = 30
    tool_timeout_seconds: float = 30.0
    max_response_bytes: int = 128 * 1024
    log_level: str = "INFO"
    log_format: str = "text"
    demo: bool = False  # the seeded fake cluster of `serve --demo`, not a real one
    read_only: bool = False  # no mutation, whatever the policy's overrides say (READ_ONLY, `kubemcp --read-only`)

    def __post_init__(self) -> None:
        # Accept any iterable for the set-valued fields, and keep them immutable.
        object.__setattr__(self, "allowed_operations", frozenset(self.allowed_operations))
        object.__setattr__(self, "restricted_namespaces", frozenset(self.restricted_namespaces))
        unknown = self.allowed_operations - KNOWN_OPERATIONS
        if unknown:
            raise ValueError(
                f"unknown operation(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(KNOWN_OPERATIONS))}"
            )
        if self.qps <= 0 or self.burst < 1:
            raise ValueError("qps must be positive and burst at least 1")

    def replace(self, **changes: Any) -> ServerConfig:
        """A copy with `changes` applied; the original is untouched."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_settings(cls, settings: Any = None) -> ServerConfig:
        if settings is None:
            from django.conf import settings
        return cls(
            server_name=settings.SERVER_NAME,
            server_version=settings.SERVER_VERSION,
            default_namespace=settings.DEFAULT_NAMESPACE,
            kubeconfig=settings.KUBECONFIG,
            kube_context=settings.KUBE_CONTEXT,
            in_cluster=settings.IN_CLUSTER,
            non_destructive=settings.NON_DESTRUCTIVE,
            read_only=settings.READ_ONLY,
            dry_run=settings.DRY_RUN,
            allowed_operations=frozenset(settings.ALLOWED_OPERATIONS),
            restricted_namespaces=frozenset(settings.RESTRICTED_NAMESPACES),
            qps=settings.QPS_LIMIT,
            burst=settings.BURST_LIMIT,
            tool_timeout_seconds=settings.TOOL_TIMEOUT_SECONDS,
            max_response_bytes=settings.MAX_RESPONSE_BYTES,
            log_level=settings.LOG_LEVEL,
            log_format=settings.LOG_FORMAT,
        )
