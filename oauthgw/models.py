"""What the gateway stores beside django-oauth-toolkit's tables: the users' upstream tokens
(sealed with AES-256-GCM, see oauthgw.crypto) and who registered each client, for per-IP limits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings


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

    class Meta:
        indexes = [models.Index(fields=["ip_address"])]

    def __str__(self) -> str:
        return f"{self.application} from {self.ip_address}"


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
