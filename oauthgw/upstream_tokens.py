"""A user's upstream tokens: sealed when stored, opened when needed, refreshed before they expire.

Refreshing takes a per-user lock in the Django cache (`cache.add`, atomic in Redis and in the
local-memory cache), so the workers of a deployment never spend one single-use refresh token twice
(Dex rotates them: a second use would log the user out). A worker that finds the lock taken waits
for the holder and reads the refreshed row.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation

from oauthgw.crypto import DecryptionError, cipher
from oauthgw.models import UpstreamToken

log = logging.getLogger("kubemcp.oauth")

LOCK_SECONDS = 30
WAIT_SECONDS = 15.0


def _seal(user_id: int, purpose: str, value: str) -> str:
    return cipher().seal(value, owner=f"user:{user_id}", purpose=purpose) if value else ""


def _open(user_id: int, purpose: str, value: str) -> str:
    return cipher().open(value, owner=f"user:{user_id}", purpose=purpose) if value else ""


def store(
    user: Any, token_info: dict[str, Any], claims: dict[str, Any], *, provider: str, issuer: str
) -> UpstreamToken:
    """Seal and save the tokens of a login (or a refresh); a missing refresh token keeps the old one."""
    row = UpstreamToken.objects.filter(user=user).first() or UpstreamToken(user=user)
    row.provider, row.issuer, row.subject = provider, issuer, str(claims["sub"])
    row.id_token = _seal(user.pk, "id_token", token_info["id_token"])
    row.access_token = _seal(user.pk, "access_token", str(token_info.get("access_token") or ""))
    if token_info.get("refresh_token"):
        row.refresh_token = _seal(user.pk, "refresh_token", str(token_info["refresh_token"]))
    row.expires = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
    row.save()
    return row


def id_token_for(user_id: int) -> str | None:
    """The user's current upstream ID token, refreshed first when it is about to expire; None if none is usable."""
    row = UpstreamToken.objects.filter(user_id=user_id).first()
    if row is None:
        return None
    if row.expires_within(settings.OAUTH_UPSTREAM_REFRESH_MARGIN_SECONDS):
        row = refresh(user_id) or row
        if row.expires_within(0):
            return None
    try:
        id_token = _open(user_id, "id_token", row.id_token) or None
        if cipher().needs_reseal(row.id_token):
            reseal(row)
        return id_token
    except DecryptionError as error:
        log.error("cannot open the upstream ID token of user %s: %s", user_id, error)
        return None


def reseal(row: UpstreamToken) -> None:
    """Seal the row's tokens again with the current key (after a key rotation); old keys can then retire."""
    for purpose in ("id_token", "access_token", "refresh_token"):
        setattr(row, purpose, _seal(row.user_id, purpose, _open(row.user_id, purpose, getattr(row, purpose))))
    row.save(update_fields=["id_token", "access_token", "refresh_token", "updated"])


def refresh(user_id: int) -> UpstreamToken | None:
    """Refresh the user's upstream tokens under the per-user lock; returns the row as it is afterwards."""
    lock = f"oauthgw:upstream-refresh:{user_id}"
    owner = secrets.token_hex(8)
    deadline = time.monotonic() + WAIT_SECONDS
    while not cache.add(lock, owner, LOCK_SECONDS):
        if time.monotonic() > deadline:
            return UpstreamToken.objects.filter(user_id=user_id).first()
        time.sleep(0.05)
    try:
        # Read again under the lock: another worker may have refreshed while we waited.
        row = UpstreamToken.objects.filter(user_id=user_id).first()
        if row is None or not row.expires_within(settings.OAUTH_UPSTREAM_REFRESH_MARGIN_SECONDS):
            return row
        return _refresh_row(row)
    finally:
        if cache.get(lock) == owner:
            cache.delete(lock)


def _refresh_row(row: UpstreamToken) -> UpstreamToken:
    from oauthgw.upstream import UpstreamBackend, UpstreamError, discovery, tls_verify, verify_id_token

    try:
        refresh_token = _open(row.user_id, "refresh_token", row.refresh_token)
    except DecryptionError as error:
        log.error("cannot open the upstream refresh token of user %s: %s", row.user_id, error)
        return row
    if not refresh_token:
        return row
    try:
        response = requests.post(
            str(discovery()["token_endpoint"]),
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": settings.OIDC_RP_CLIENT_ID,
                "client_secret": settings.OIDC_RP_CLIENT_SECRET,
            },
            timeout=10,
            verify=tls_verify(),
        )
        token_info = response.json() if response.status_code == 200 else None
    except (requests.RequestException, ValueError, UpstreamError) as error:
        log.warning("upstream refresh for user %s failed: %s", row.user_id, error)
        return row
    if not isinstance(token_info, dict) or not isinstance(token_info.get("id_token"), str):
        log.warning("upstream refresh for user %s was refused (HTTP %s)", row.user_id, response.status_code)
        return row
    try:
        claims = verify_id_token(UpstreamBackend(), token_info["id_token"])
    except (SuspiciousOperation, requests.RequestException, UpstreamError) as error:
        log.warning("the refreshed ID token of user %s was refused: %s", row.user_id, error)
        return row
    if str(claims["sub"]) != row.subject:
        log.warning("the refreshed ID token of user %s names another subject", row.user_id)
        return row
    return store(row.user, token_info, claims, provider=row.provider, issuer=row.issuer)
