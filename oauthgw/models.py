"""What the gateway stores beside django-oauth-toolkit's tables: who each user is at the upstream provider,
the users' upstream tokens (sealed with AES-256-GCM, see oauthgw.crypto) and who registered each client, for
per-IP limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from oauth2_provider.models import get_access_token_model
from oauth2_provider.settings import oauth2_settings

# How stale "last used" may be: a client in use costs one write per this many seconds, not one per request.
LAST_USE_PRECISION = timedelta(seconds=60)


def user_access_tokens(tokens: QuerySet[Any] | None = None) -> QuerySet[Any]:
    """The access tokens (all, or of `tokens`) issued to people. DOT keeps each client's RFC 7592 registration
    token (no user, scope `DCR_REGISTRATION_SCOPE`) in the same table; it opens no /mcp session, so counts and
    lists leave it out."""
    if tokens is None:
        tokens = get_access_token_model().objects.all()
    return tokens.exclude(scope=oauth2_settings.DCR_REGISTRATION_SCOPE)


class UpstreamIdentity(models.Model):
    """A person at the upstream provider, named as OpenID Connect names them: the issuer and the subject.

    OIDC Core section 5.7: `sub` (within its `iss`) is the only claim that identifies a person; an email can
    be re-assigned, spelt in several cases, or claimed by anyone at a provider that does not verify it. A login
    reaches a local account only through a row here; a row is made at a user's first login (with a new
    account) or by an administrator linking an existing account, never by a matching email.
    """

    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upstream_identities")
    created = models.DateTimeField(auto_now_add=True)
    linked_by = models.CharField(
        max_length=150,
        blank=True,
        help_text="The administrator who linked an existing account; empty when the "
        "account was created by the first login.",
    )

    class Meta:
        verbose_name = "upstream identity"
        verbose_name_plural = "upstream identities"
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="oauthgw_identity_iss_sub")]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class UpstreamToken(models.Model):
    """A user's tokens at the upstream provider (Dex, Google), sealed; never stored in plaintext."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upstream_token")
    provider = models.CharField(max_length=32)
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    id_token = models.TextField(blank=True)
    access_token = models.TextField(blank=True)
    refresh_token = models.TextField(blank=True)
    # When the ID token stops being accepted (its `exp`); refreshed before then.
    expires = models.DateTimeField()
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "upstream token"

    def __str__(self) -> str:
        return f"{self.provider} token of {self.user}"

    def expires_within(self, seconds: float) -> bool:
        return (self.expires - timezone.now()).total_seconds() <= seconds


class ClientRegistration(models.Model):
    """Which address registered a client (RFC 7591), for `MAX_CLIENTS_PER_IP`."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="registration"
    )
    ip_address = models.GenericIPAddressField()
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(
        null=True, blank=True, help_text="When /mcp last accepted one of the client's tokens (to the minute)."
    )

    class Meta:
        indexes = [models.Index(fields=["ip_address"])]

    def __str__(self) -> str:
        return f"{self.application} from {self.ip_address}"

    @classmethod
    def note_use(cls, client_id: str) -> None:
        """Record that /mcp accepted a token of the client, unless that was recorded within the precision."""
        now = timezone.now()
        cls.objects.filter(
            Q(last_used__isnull=True) | Q(last_used__lt=now - LAST_USE_PRECISION), application__client_id=client_id
        ).update(last_used=now)


class ConsumedCode(models.Model):
    """An authorization code already exchanged (its SHA-256 only), so a replay can revoke what it gave.

    RFC 6749 section 4.1.2: a code used twice means it leaked; the tokens issued from it are revoked.
    Kept for a day, far longer than a code lives.
    """

    checksum = models.CharField(max_length=64, unique=True)
    application = models.ForeignKey(oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE)
    token_family = models.UUIDField(null=True)
    consumed = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"code consumed by {self.application} at {self.consumed:%Y-%m-%d %H:%M:%S}"
