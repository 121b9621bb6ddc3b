"""Verifying the bearer token of a /mcp request, cheaply.

The token is looked up by its SHA-256 checksum (the table never holds the token itself). What a
lookup found is kept in the Django cache for `OAUTH_TOKEN_CACHE_SECONDS` (two seconds by default,
never past the token's expiry), so a busy client costs two queries every few seconds (the lookup, and an
update of its client's "last used" that writes at most once a minute); a revoked or
deleted token drops its cache entry at once (oauthgw.signals), so revocation is immediate.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from oauth2_provider.models import get_access_token_model

from oauthgw.identifiers import MCP_SCOPE, audience
from oauthgw.models import ClientRegistration

CACHE_PREFIX = "oauthgw:bearer:"


@dataclass(frozen=True)
class Grant:
    """What a verified access token allows: who, through which client, until when."""

    user_id: int | None
    username: str
    is_staff: bool
    client_id: str
    scopes: tuple[str, ...]
    resources: tuple[str, ...]
    expires: float  # epoch seconds


class BearerError(Exception):
    """A token /mcp does not accept: `error` is the RFC 6750 code, `status` the HTTP status."""

    def __init__(self, error: str, description: str, status: int = 401) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def checksum(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def cache_key(token_checksum: str) -> str:
    return CACHE_PREFIX + token_checksum


def forget(token_checksum: str) -> None:
    """Drop a token from the verification cache (on revoke, delete or change)."""
    cache.delete(cache_key(token_checksum))


def _load(token_checksum: str) -> Grant | None:
    token = (
        get_access_token_model()
        .objects.select_related("user", "application")
        .filter(token_checksum=token_checksum)
        .first()
    )
    if token is None or not hmac.compare_digest(token.token_checksum, token_checksum):
        return None
    user = token.user
    return Grant(
        user_id=user.pk if user else None,
        username=user.get_username() if user else "",
        is_staff=bool(user and user.is_staff),
        client_id=token.application.client_id if token.application else "",
        scopes=tuple(token.scope.split()),
        resources=tuple(token.resource or ()),
        expires=token.expires.timestamp(),
    )


def verify(token: str, *, scopes: tuple[str, ...] = (MCP_SCOPE,)) -> Grant:
    """The grant behind `token`, or BearerError saying why it is refused; it must hold one of `scopes`."""
    if not token or len(token) > 512:
        raise BearerError("invalid_token", "the access token is malformed")
    token_checksum = checksum(token)
    key = cache_key(token_checksum)
    grant = cache.get(key)
    loaded = grant is None
    if loaded:
        grant = _load(token_checksum)
        if grant is None:
            raise BearerError("invalid_token", "the access token is unknown or revoked")
        lifetime = min(settings.OAUTH_TOKEN_CACHE_SECONDS, grant.expires - time.time())
        if lifetime > 0:
            cache.set(key, grant, lifetime)
    if grant.expires <= time.time():
        raise BearerError("invalid_token", "the access token has expired")
    if not any(scope in grant.scopes for scope in scopes):
        wanted = " or ".join(f"'{scope}'" for scope in scopes)
        raise BearerError("insufficient_scope", f"the access token lacks the {wanted} scope", status=403)
    if audience() not in grant.resources:
        raise BearerError("invalid_token", f"the access token was not issued for {audience()}")
    if grant.user_id is None:
        raise BearerError("invalid_token", "the access token does not name a user")
    if loaded:  # accepted, and not seen for the cache's seconds: worth the "last used" check
        ClientRegistration.note_use(grant.client_id)
    return grant
