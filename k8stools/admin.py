"""The admin for the Kubernetes side: the policy (superusers change it, staff read it), the audit
trail (read-only), and port-forward sessions (with a stop action through the same workflow as the tools)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from k8stools.config import KNOWN_OPERATIONS
from k8stools.identity import Caller
from k8stools.models import AuditRecord, PolicySettings, PortForwardSession
from k8stools.portforward.workflows import PortForwardError, port_forward_stop
from mcpsite.admin_access import StaffReadOnly, is_staff


def _is_superuser(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


class PolicyForm(forms.ModelForm):
    """Namespaces as comma-separated text, operations as checkboxes; the model's validators judge both."""

    allowed_operations = forms.MultipleChoiceField(
        choices=[(name, name) for name in sorted(KNOWN_OPERATIONS)],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Operations allowed even in non-destructive mode.",
    )
    restricted_namespaces = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"size": 80}),
        help_text="Comma-separated namespace names no tool may read or change, e.g. kube-system, vault.",
    )

    class Meta:
        model = PolicySettings
        fields = ["non_destructive", "dry_run", "allowed_operations", "restricted_namespaces"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["restricted_namespaces"] = ", ".join(self.instance.restricted_namespaces or [])
        self.initial["allowed_operations"] = list(self.instance.allowed_operations or [])

    def clean_restricted_namespaces(self) -> list[str]:
        text = self.cleaned_data.get("restricted_namespaces") or ""
        names = [name.strip() for name in text.split(",") if name.strip()]
        return list(dict.fromkeys(names))  # drop repeats, keep the order given

    def clean_allowed_operations(self) -> list[str]:
        return sorted(self.cleaned_data.get("allowed_operations") or [])


def policy_snapshot(policy: PolicySettings | None) -> dict[str, Any] | None:
    if policy is None:
        return None
    return {
        "non_destructive": policy.non_destructive,
        "dry_run": policy.dry_run,
        "allowed_operations": list(policy.allowed_operations),
        "restricted_namespaces": list(policy.restricted_namespaces),
    }


@admin.register(PolicySettings)
class PolicySettingsAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = ["__str__", "non_destructive", "dry_run", "operations", "namespaces", "updated_at", "updated_by"]
    list_select_related = ["updated_by"]
    readonly_fields = ["updated_at", "updated_by"]
    fields = ["non_destructive", "dry_run", "allowed_operations", "restricted_namespaces", "updated_at", "updated_by"]

    @admin.display(description="allowed operations")
    def operations(self, policy: PolicySettings) -> str:
        return ", ".join(policy.allowed_operations) or "-"

    @admin.display(description="restricted namespaces")
    def namespaces(self, policy: PolicySettings) -> str:
        return ", ".join(policy.restricted_namespaces) or "-"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_staff(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_superuser(request) and not PolicySettings.objects.exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PolicySettings, form: Any, change: bool) -> None:
        # The admin's change view runs in a transaction: the policy and its audit record land together.
        before = policy_snapshot(PolicySettings.objects.filter(pk=PolicySettings.SINGLETON_ID).first())
        obj.updated_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        AuditRecord.objects.create(
            user=request.user.get_username(),
            tool="admin:policy",
            operation="policy",
            outcome=AuditRecord.Outcome.OK,
            duration_ms=0.0,
            arguments={"before": before, "after": policy_snapshot(obj)},
            message="policy changed in the admin",
        )


@admin.register(AuditRecord)
class AuditRecordAdmin(StaffReadOnly, admin.ModelAdmin):
    list_display = ["created", "user", "tool", "outcome", "target", "dry_run", "duration_ms", "message"]
    list_filter = ["outcome", "tool", "user", "dry_run", "created"]
    search_fields = ["user", "identity", "tool", "namespace", "kind", "name", "message", "request_id"]
    date_hierarchy = "created"
    list_per_page = 100
    show_full_result_count = False

    @admin.display(description="target")
    def target(self, record: AuditRecord) -> str:
        parts = [part for part in (record.namespace, record.kind, record.name) if part]
        return "/".join(parts) or "-"


@admin.register(PortForwardSession)
class PortForwardSessionAdmin(StaffReadOnly, admin.ModelAdmin):
    list_display = ["created", "owner_name", "target", "port_pairs", "status", "bytes_in", "bytes_out", "connections"]
    list_filter = ["status", "owner_name", "namespace"]
    search_fields = ["owner_name", "owner", "namespace", "target_name", "pod_name"]
    readonly_fields = [field.name for field in PortForwardSession._meta.fields]
    actions = ["stop_sessions"]

    @admin.display(description="target")
    def target(self, session: PortForwardSession) -> str:
        return f"{session.namespace}/{session.target_kind}/{session.target_name} (pod {session.pod_name})"

    @admin.display(description="ports (local:pod)")
    def port_pairs(self, session: PortForwardSession) -> str:
        return ", ".join(f"{local}:{remote}" for local, remote in session.ports) or "-"

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Staff may stop sessions although nobody may change a row by hand.
        actions = super().get_actions(request)
        if not is_staff(request):
            actions.pop("stop_sessions", None)
        return actions

    @admin.action(description="Stop the selected port-forward sessions")
    def stop_sessions(self, request: HttpRequest, queryset: QuerySet[PortForwardSession]) -> None:
        user = request.user
        by = Caller(username=user.get_username(), user_id=user.pk, is_staff=user.is_staff)
        stopped = already = 0
        for pk in queryset.values_list("pk", flat=True):
            try:
                result = port_forward_stop(session_id=pk, by=by)
            except PortForwardError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            if result.already_ended:
                already += 1
            else:
                stopped += 1
        self.message_user(request, f"{stopped} session(s) stopped, {already} had already ended.", messages.SUCCESS)
