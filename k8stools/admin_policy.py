"""The policy in the admin: one page, always at /admin/k8stools/policysettings/1/change/, on which superusers
override each field of the environment's policy or let it inherit, and staff read the policy in force.

There is no list, no add page and no delete: the list and the add page lead to the one page, which works before
anyone has saved anything, so no button or link ends in a 403. Saving goes through `policy_update`, which
audits who changed what, before and after, and tells every worker at once.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from k8stools.config import KNOWN_OPERATIONS
from k8stools.context import get_server_context
from k8stools.models import PolicySettings
from k8stools.policy import FIELD_NAMES, POLICY_FIELDS, FieldState, Policy, display_value
from k8stools.policy_store import policy_in_force, policy_update
from staffaccess import is_staff

INHERIT, OVERRIDE = "inherit", "override"
CHANGE_URL_NAME = "admin:k8stools_policysettings_change"


def environment_defaults() -> Policy:
    return Policy.from_config(get_server_context().config)


def _choices(default: Any, *overrides: tuple[str, str]) -> list[tuple[str, str]]:
    return [(INHERIT, f"Inherit the environment default ({display_value(default)})"), *overrides]


SWITCH_OVERRIDES = (("on", "Override: on"), ("off", "Override: off"))


class PolicyForm(forms.ModelForm):
    """Each field inherits or overrides; namespaces as comma-separated text, operations as checkboxes."""

    non_destructive = forms.ChoiceField(label="Non-destructive mode", widget=forms.RadioSelect)
    dry_run = forms.ChoiceField(label="Dry-run mode", widget=forms.RadioSelect)
    allowed_operations_mode = forms.ChoiceField(label="Allowed operations", widget=forms.RadioSelect)
    restricted_namespaces_mode = forms.ChoiceField(label="Restricted namespaces", widget=forms.RadioSelect)

    allowed_operations = forms.MultipleChoiceField(
        choices=[(name, name) for name in sorted(KNOWN_OPERATIONS)],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Allowed operations (when overridden)",
    )
    restricted_namespaces = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"size": 60}),
        label="Restricted namespaces (when overridden)",
        help_text="Comma-separated namespace names, e.g. kube-system, vault. Empty: no namespace is restricted.",
    )

    class Meta:
        model = PolicySettings
        fields = list(FIELD_NAMES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        defaults = environment_defaults()
        row: PolicySettings = self.instance
        for name in ("non_destructive", "dry_run"):
            self.fields[name].choices = _choices(getattr(defaults, name), *SWITCH_OVERRIDES)  # type: ignore[attr-defined]
            value = getattr(row, name)
            self.initial[name] = INHERIT if value is None else ("on" if value else "off")
        for name in ("allowed_operations", "restricted_namespaces"):
            mode = self.fields[f"{name}_mode"]
            mode.choices = _choices(getattr(defaults, name), (OVERRIDE, "Override with the value below"))  # type: ignore[attr-defined]
            self.initial[f"{name}_mode"] = INHERIT if getattr(row, name) is None else OVERRIDE
        overridden = row.allowed_operations
        self.initial["allowed_operations"] = list(overridden if overridden is not None else defaults.allowed_operations)
        namespaces = row.restricted_namespaces
        shown = namespaces if namespaces is not None else sorted(defaults.restricted_namespaces)
        self.initial["restricted_namespaces"] = ", ".join(shown)

    @staticmethod
    def _switch(value: str) -> bool | None:
        return None if value == INHERIT else value == "on"

    def clean_non_destructive(self) -> bool | None:
        return self._switch(self.cleaned_data["non_destructive"])

    def clean_dry_run(self) -> bool | None:
        return self._switch(self.cleaned_data["dry_run"])

    def clean_restricted_namespaces(self) -> list[str]:
        text = self.cleaned_data.get("restricted_namespaces") or ""
        names = [name.strip() for name in text.split(",") if name.strip()]
        return list(dict.fromkeys(names))  # drop repeats, keep the order given

    def clean_allowed_operations(self) -> list[str]:
        return sorted(self.cleaned_data.get("allowed_operations") or [])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("allowed_operations", "restricted_namespaces"):
            if cleaned.get(f"{name}_mode") == INHERIT:
                cleaned[name] = None  # inherit: what the box holds is not saved
        return cleaned

    def overrides(self) -> dict[str, Any]:
        """The override of every field (None inherits), as `policy_update` takes them."""
        return {name: self.cleaned_data.get(name) for name in FIELD_NAMES}


@admin.register(PolicySettings)
class PolicySettingsAdmin(admin.ModelAdmin):
    form = PolicyForm
    readonly_fields = ["last_saved", "updated_by"]
    change_form_template = "admin/k8stools/policysettings/change_form.html"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        updated: tuple[str | None, dict[str, Any]] = ("Last change", {"fields": ["last_saved", "updated_by"]})
        if not self.has_change_permission(request, obj):
            return [updated]  # staff read the table of the policy in force above the form
        states = {
            state.name: state
            for state in policy_in_force(environment_defaults(), read_only=get_server_context().config.read_only)
        }
        sets: list[tuple[str | None, dict[str, Any]]] = []
        for name, label, _ in POLICY_FIELDS:
            fields = [name] if name in ("non_destructive", "dry_run") else [f"{name}_mode", name]
            sets.append((label, {"fields": fields, "description": describe(states[name])}))
        return [*sets, updated]

    @admin.display(description="saved at")
    def last_saved(self, row: PolicySettings) -> str:
        if row.updated_at is None:
            return "never: every setting comes from the environment"
        return timezone.localtime(row.updated_at).strftime("%Y-%m-%d %H:%M:%S %Z")

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        if str(object_id) != str(PolicySettings.SINGLETON_ID):
            return None
        # Before the first save there is no row: the page edits an unsaved one where everything inherits.
        row = PolicySettings.objects.filter(pk=PolicySettings.SINGLETON_ID).first()
        return row or PolicySettings(pk=PolicySettings.SINGLETON_ID)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return HttpResponseRedirect(reverse(CHANGE_URL_NAME, args=[PolicySettings.SINGLETON_ID]))

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        return HttpResponseRedirect(reverse(CHANGE_URL_NAME, args=[PolicySettings.SINGLETON_ID]))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "title": "Server policy",
            "subtitle": None,
            "policy_fields": [
                {"state": state, **{key: display_value(getattr(state, key)) for key in ("default", "effective")}}
                for state in policy_in_force(environment_defaults(), read_only=get_server_context().config.read_only)
            ],
            "show_save_and_add_another": False,
            "show_save_as_new": False,
            "show_delete": False,
        }
        return super().change_view(request, object_id, form_url, context)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_staff(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PolicySettings, form: Any, change: bool) -> None:
        policy_update(changes=form.overrides(), username=request.user.get_username(), user_id=request.user.pk)
        obj.refresh_from_db()

    def response_change(self, request: HttpRequest, obj: PolicySettings) -> HttpResponse:
        # Whatever button was pressed (an old form may still post "Save and add another"), stay on the policy.
        self.message_user(
            request, "The policy was saved; every worker applies it from its next call.", messages.SUCCESS
        )
        return HttpResponseRedirect(reverse(CHANGE_URL_NAME, args=[PolicySettings.SINGLETON_ID]))


def describe(state: FieldState) -> str:
    """The line under a field's heading: its environment default and the value in force."""
    return (
        f"Environment default ({state.variable}): {display_value(state.default)}. "
        f"In force now: {display_value(state.effective)} ({state.source})."
    )
