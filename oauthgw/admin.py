"""The admin for OAuth clients and tokens: who registered what, which tokens live, revoke and disable.

django-oauth-toolkit's own admin classes show raw tokens and client secrets; they are replaced here by
classes that show only metadata (user, client, scope, resource, expiry), never a token or its checksum.
Revoking goes through DOT's `revoke()`/`revoke_family()`, whose deletes drop the /mcp verification cache
entry (oauthgw.signals), so a revoked token is refused at once.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)
from oauth2_provider.settings import oauth2_settings

from oauthgw.models import UpstreamIdentity, UpstreamToken, user_access_tokens
from staffaccess import StaffReadOnly, is_staff

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()

for model in (Application, AccessToken, RefreshToken, get_grant_model(), get_id_token_model()):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def tokens_revoke(*, access_tokens: QuerySet[Any] | None = None, refresh_tokens: QuerySet[Any] | None = None) -> int:
    """Revoke access tokens and refresh tokens with their whole refresh family; how many were live."""
    count = 0
    families: set[Any] = set()
    if access_tokens is not None:
        for token in access_tokens.select_related(None):
            family = RefreshToken.objects.filter(access_token=token).values_list("token_family", flat=True).first()
            if family:
                families.add(family)
            token.revoke()  # a delete: the post_delete signal drops the /mcp cache entry
            count += 1
    if refresh_tokens is not None:
        for refresh in refresh_tokens.select_related(None):
            count += refresh.revoked is None
            if refresh.token_family:
                families.add(refresh.token_family)
            else:
                refresh.revoke()
    for family in families:
        RefreshToken.revoke_family(family)
    return count


@admin.register(Application)
class ApplicationAdmin(StaffReadOnly, admin.ModelAdmin):
    list_display = [
        "name",
        "client_id",
        "client_type",
        "registered_from",
        "created",
        "last_token",
        "last_used",
        "live_tokens",
    ]
    list_filter = ["client_type", "created"]
    search_fields = ["name", "client_id", "registration__ip_address"]
    fields = readonly_fields = (
        "name",
        "client_id",
        "client_type",
        "authorization_grant_type",
        "redirect_uris",
        "created",
        "updated",
    )
    list_select_related = ["registration"]
    actions = ["disable_clients"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        issued_to_users = ~Q(accesstoken__scope=oauth2_settings.DCR_REGISTRATION_SCOPE)
        return (
            super()
            .get_queryset(request)
            .annotate(
                live_token_count=Count(
                    "accesstoken", filter=issued_to_users & Q(accesstoken__expires__gt=timezone.now()), distinct=True
                ),
                last_token_issued=Max("accesstoken__created", filter=issued_to_users),
            )
        )

    @admin.display(description="registered from", ordering="registration__ip_address")
    def registered_from(self, application: Any) -> str:
        registration = getattr(application, "registration", None)
        return registration.ip_address if registration else "-"

    @admin.display(description="last token issued", ordering="last_token_issued")
    def last_token(self, application: Any) -> Any:
        return application.last_token_issued or "-"

    @admin.display(description="last used", ordering="registration__last_used")
    def last_used(self, application: Any) -> Any:
        registration = getattr(application, "registration", None)
        return (registration.last_used if registration else None) or "-"

    @admin.display(description="live access tokens", ordering="live_token_count")
    def live_tokens(self, application: Any) -> int:
        return application.live_token_count

    @admin.action(description="Disable: revoke every token of the selected clients")
    def disable_clients(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        applications = list(queryset)
        count = tokens_revoke(
            access_tokens=AccessToken.objects.filter(application__in=applications),
            refresh_tokens=RefreshToken.objects.filter(application__in=applications),
        )
        self.message_user(
            request,
            f"{len(applications)} client(s) disabled: {count} token(s) revoked; a user must sign in again to use them.",
            messages.SUCCESS,
        )


@admin.register(AccessToken)
class AccessTokenAdmin(StaffReadOnly, admin.ModelAdmin):
    list_display = ["id", "user", "application", "scope", "resource", "expires", "created"]
    list_filter = ["application", "expires"]
    search_fields = ["user__username", "application__name", "application__client_id"]
    list_select_related = ["user", "application"]
    fields = readonly_fields = ("user", "application", "scope", "resource", "expires", "created", "updated")
    actions = ["revoke_tokens"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return user_access_tokens(super().get_queryset(request))

    @admin.action(description="Revoke the selected tokens (with their refresh tokens)")
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = tokens_revoke(access_tokens=queryset)
        self.message_user(request, f"{count} access token(s) revoked; /mcp refuses them now.", messages.SUCCESS)


@admin.register(RefreshToken)
class RefreshTokenAdmin(StaffReadOnly, admin.ModelAdmin):
    list_display = ["id", "user", "application", "resource", "token_family", "created", "revoked"]
    list_filter = ["application", "revoked"]
    search_fields = ["user__username", "application__name", "application__client_id"]
    list_select_related = ["user", "application"]
    fields = readonly_fields = ("user", "application", "resource", "token_family", "created", "updated", "revoked")
    actions = ["revoke_tokens"]

    @admin.action(description="Revoke the selected refresh tokens and their whole family")
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = tokens_revoke(refresh_tokens=queryset)
        self.message_user(request, f"{count} refresh token(s) revoked with their families.", messages.SUCCESS)


@admin.register(UpstreamToken)
class UpstreamTokenAdmin(StaffReadOnly, admin.ModelAdmin):
    """Only when the sealed upstream tokens expire: nothing here decrypts them."""

    list_display = ["user", "provider", "issuer", "expires", "updated"]
    list_filter = ["provider"]
    search_fields = ["user__username", "issuer"]
    list_select_related = ["user"]
    fields = readonly_fields = ("user", "provider", "issuer", "expires", "created", "updated")


@admin.register(UpstreamIdentity)
class UpstreamIdentityAdmin(admin.ModelAdmin):
    """Which upstream person (issuer, subject) signs in as which account.

    The only way an existing account (one made here, with a password) gets an upstream login: a superuser adds
    the link by hand. A login never links by email; an upstream login whose email names an unlinked account is
    refused, and the server log names its issuer and subject for this form.
    """

    list_display = ["user", "subject", "issuer", "linked_by", "created"]
    list_filter = ["issuer"]
    search_fields = ["user__username", "subject", "issuer"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    fields = ["user", "issuer", "subject", "linked_by", "created"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["user", "issuer", "subject", "linked_by", "created"] if obj is not None else ["linked_by", "created"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        from oauthgw.upstream import provider_issuer

        return {"issuer": provider_issuer(), **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.linked_by = request.user.get_username()
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_staff(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)
