"""The admin for the Kubernetes side: the policy (k8stools.admin_policy: superusers override it, staff read
it), the audit trail (k8stools.admin_audit: read-only, exportable), and port-forward sessions (with a stop
action through the same workflow as the tools)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from k8stools import admin_audit, admin_policy  # noqa: F401  (they register the audit list and the policy page)
from k8stools.identity import Caller
from k8stools.models import PortForwardSession
from k8stools.portforward.workflows import PortForwardError, port_forward_stop
from staffaccess import StaffReadOnly, is_staff


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
