"""Revocation takes effect at once: a changed or deleted access token leaves the /mcp verification cache."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from oauth2_provider.models import get_access_token_model

from oauthgw.bearer import forget

AccessToken = get_access_token_model()


@receiver(post_delete, sender=AccessToken, dispatch_uid="oauthgw-forget-deleted-token")
@receiver(post_save, sender=AccessToken, dispatch_uid="oauthgw-forget-changed-token")
def forget_access_token(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.token_checksum:
        forget(instance.token_checksum)
