"""`ToolCall`: what a tool function gets besides its arguments.

The caller, the policy in force, the configuration, and `client()`: a `GuardedClient` for this
call's cluster and identity. Progress and log notifications can be sent from the worker thread
a tool runs in; they reach the client on the request's own stream.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from k8stools.config import ServerConfig
from k8stools.context import ServerContext
from k8stools.guard import GuardedClient
from k8stools.identity import Caller
from k8stools.kube import KubeConfigError
from k8stools.policy import Policy
from k8stools.tools.errors import ToolInputError

Notifier = Callable[..., Awaitable[Any] | None]


@dataclass
class AuditTarget:
    namespace: str = ""
    kind: str = ""
    name: str = ""


class ToolCall:
    def __init__(
        self,
        *,
        tool: str,
        operation: str,
        caller: Caller,
        server: ServerContext,
        policy: Policy,
        context_name: str = "",
        notify_progress: Callable[[float, float | None, str | None], None] | None = None,
        notify_log: Callable[[str, str], None] | None = None,
    ) -> None:
        self.tool = tool
        self.operation = operation
        self.caller = caller
        self.server = server
        self.config: ServerConfig = server.config
        self.policy = policy
        self.context_name = context_name
        self.resolved_context = ""  # the context the client was made for, once it is made
        self.target = AuditTarget()
        self.dry_run_used = False
        self._notify_progress = notify_progress
        self._notify_log = notify_log
        self._client: GuardedClient | None = None

    def client(self) -> GuardedClient:
        """The guarded Kubernetes client for this call (the caller's own identity when required)."""
        if self._client is None:
            bearer = None
            impersonation = None
            if self.caller.downstream == "impersonate":
                impersonation = self.caller.impersonation
                if impersonation is None:
                    # Fail closed: without a person to name, the server's own credentials are never used.
                    self.server.metrics.increment("downstream_auth_total", result="failure")
                    raise ToolInputError(
                        "authentication required: "
                        + (self.caller.identity_problem or "log in again so the cluster can be told who you are")
                    )
                self.server.metrics.increment("downstream_auth_total", result="success")
            elif self.caller.requires_own_credentials:
                if not self.caller.id_token:
                    self.server.metrics.increment("downstream_auth_total", result="failure")
                    raise ToolInputError(
                        "authentication required: log in again so your own credentials reach the cluster"
                    )
                bearer = self.caller.id_token
                self.server.metrics.increment("downstream_auth_total", result="success")
            try:
                kube = self.server.client(context=self.context_name, bearer_token=bearer, impersonation=impersonation)
            except KubeConfigError as error:
                raise ToolInputError(str(error)) from None
            self.resolved_context = kube.context
            self._client = GuardedClient(kube, policy=self.policy, operation=self.operation)
        return self._client

    @property
    def dry_run(self) -> bool:
        """True when this call's changes are validated by the API server and not applied."""
        return self.policy.dry_run_for(self.operation)

    def aim(self, *, namespace: str | None = None, kind: str | None = None, name: str | None = None) -> None:
        """Record what this call is about, for the audit trail."""
        if namespace is not None:
            self.target.namespace = namespace
        if kind is not None:
            self.target.kind = kind
        if name is not None:
            self.target.name = name

    def progress(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        """Send a progress notification (only when the client asked for them)."""
        if self._notify_progress is not None:
            self._notify_progress(progress, total, message)

    def log(self, level: str, message: str) -> None:
        """Send a log notification to the client (subject to its `logging/setLevel`)."""
        if self._notify_log is not None:
            self._notify_log(level, message)


@dataclass
class ToolOutput:
    """A tool's answer when plain text is not enough: an error flag, or structured content."""

    text: str
    is_error: bool = False
    structured: dict[str, Any] | None = field(default=None)
