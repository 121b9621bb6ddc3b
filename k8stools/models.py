"""What the Kubernetes side keeps in the database: the policy, the audit trail, per-user state."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from k8stools.config import KNOWN_OPERATIONS
from k8stools.names import is_namespace_name
from k8stools.policy import PolicyOverrides


def validate_operations(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("a list of operation names")
    unknown = sorted(set(value) - KNOWN_OPERATIONS)
    if unknown:
        raise ValidationError(
            f"unknown operation(s): {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_OPERATIONS))}"
        )


def validate_namespaces(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("a list of namespace names")
    invalid = [name for name in value if not is_namespace_name(name)]
    if invalid:
        raise ValidationError(f"not a valid namespace name: {', '.join(invalid)}")


class PolicySettings(models.Model):
    """The admin's overrides of the environment's policy; one row. A null field inherits the environment default."""

    SINGLETON_ID = 1

    non_destructive = models.BooleanField(
        null=True, blank=True, help_text="Block operations that change the cluster (NON_DESTRUCTIVE)."
    )
    dry_run = models.BooleanField(
        null=True, blank=True, help_text="Send mutations with dryRun=All: validated, not applied (DRY_RUN)."
    )
    allowed_operations = models.JSONField(
        null=True,
        blank=True,
        validators=[validate_operations],
        help_text="Operations allowed in non-destructive mode (ALLOWED_OPERATIONS).",
    )
    restricted_namespaces = models.JSONField(
        null=True,
        blank=True,
        validators=[validate_namespaces],
        help_text="Namespaces no tool may read or change (RESTRICTED_NAMESPACES).",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "policy"
        verbose_name_plural = "policy"

    def __str__(self) -> str:
        return "Server policy"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = self.SINGLETON_ID
        super().save(*args, **kwargs)

    def as_overrides(self) -> PolicyOverrides:
        def names(value: Any) -> frozenset[str] | None:
            return None if value is None else frozenset(value)

        return PolicyOverrides(
            non_destructive=self.non_destructive,
            dry_run=self.dry_run,
            allowed_operations=names(self.allowed_operations),
            restricted_namespaces=names(self.restricted_namespaces),
        )


class SharedVersion(models.Model):
    """A token the database replaces on every change of the table it covers (`k8stools.shared_versions`)."""

    name = models.CharField(max_length=32, primary_key=True)
    token = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.name}: {self.token}"


class AuditRecord(models.Model):
    """One tool call: who, what, where, how it ended and how long it took."""

    class Outcome(models.TextChoices):
        OK = "ok", "ok"
        ERROR = "error", "error"
        DENIED = "denied", "denied"
        # A destructive change the person did not confirm (CONFIRM_DESTRUCTIVE): nothing was sent.
        DECLINED = "declined", "declined"

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.CharField(max_length=254, db_index=True, help_text='The caller, or "local" without OAuth.')
    identity = models.CharField(
        max_length=300,
        blank=True,
        help_text="Who Kubernetes saw: the server's credentials, the caller's own ID token, or the person impersonated.",
    )
    tool = models.CharField(max_length=64, db_index=True)
    operation = models.CharField(max_length=32)
    context = models.CharField(max_length=253, blank=True)
    namespace = models.CharField(max_length=63, blank=True)
    kind = models.CharField(max_length=253, blank=True)
    name = models.CharField(max_length=253, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, db_index=True)
    dry_run = models.BooleanField(default=False)
    duration_ms = models.FloatField()
    arguments = models.JSONField(default=dict, help_text="The call's arguments, secrets removed.")
    message = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["tool", "outcome", "created"])]

    def __str__(self) -> str:
        return f"{self.user} {self.tool} {self.outcome}"


class UserKubeContext(models.Model):
    """The kubeconfig context one user chose with `context_use` (never the whole server's)."""

    user_key = models.CharField(max_length=254, unique=True)
    context_name = models.CharField(max_length=253)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_key}: {self.context_name}"


class PortForwardSessionQuerySet(models.QuerySet["PortForwardSession"]):
    def live(self) -> PortForwardSessionQuerySet:
        """Sessions that hold (or are opening) a listener somewhere."""
        return self.filter(status__in=PortForwardSession.LIVE_STATUSES)

    def visible_to(self, owner_key: str, *, is_staff: bool) -> PortForwardSessionQuerySet:
        """What one caller may list and stop: their own sessions, or every session for staff."""
        return self if is_staff else self.filter(owner=owner_key)


class PortForwardSession(models.Model):
    """One port-forward: local listeners in one server worker, forwarding to one pod's ports."""

    class Status(models.TextChoices):
        STARTING = "starting", "starting"
        ACTIVE = "active", "active"
        STOPPED = "stopped", "stopped"
        FAILED = "failed", "failed"

    LIVE_STATUSES = (Status.STARTING, Status.ACTIVE)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.CharField(max_length=254, db_index=True, help_text="The caller's key (user:<id>, or local).")
    owner_name = models.CharField(max_length=254, help_text="The caller's name, for display.")
    context = models.CharField(max_length=253, blank=True, help_text="Kubeconfig context of the cluster.")
    namespace = models.CharField(max_length=63)
    target_kind = models.CharField(max_length=16, help_text="pod or service, as asked.")
    target_name = models.CharField(max_length=253)
    pod_name = models.CharField(max_length=253, help_text="The pod the connections reach.")
    ports = models.JSONField(default=list, help_text="[[local port, pod port], ...] as bound.")
    worker_id = models.CharField(
        max_length=200, db_index=True, help_text="host:pid:start time of the worker holding the listeners."
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.STARTING, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    heartbeat = models.DateTimeField(
        null=True, blank=True, help_text="Last time the worker reported the session alive."
    )
    stopped = models.DateTimeField(null=True, blank=True)
    stopped_by = models.CharField(max_length=254, blank=True, help_text="Who or what ended the session.")
    bytes_in = models.BigIntegerField(default=0, help_text="Bytes from local clients to the pod.")
    bytes_out = models.BigIntegerField(default=0, help_text="Bytes from the pod to local clients.")
    connections = models.BigIntegerField(default=0, help_text="Connections accepted so far.")
    last_error = models.CharField(max_length=1000, blank=True)

    objects = PortForwardSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "worker_id"]), models.Index(fields=["owner", "status"])]

    def __str__(self) -> str:
        return f"{self.namespace}/{self.pod_name} {self.status} ({self.id})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    def visible_to(self, owner_key: str, *, is_staff: bool) -> bool:
        return is_staff or self.owner == owner_key

    def end(self, status: str, *, by: str, error: str = "") -> None:
        """Record the end of the session (not saved); the first end wins."""
        self.status = status
        self.stopped = timezone.now()
        self.stopped_by = by[:254]
        if error:
            self.last_error = error[:1000]
