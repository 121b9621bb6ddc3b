"""AES-256-GCM encryption of upstream tokens at rest: the only module that touches the keys.

A sealed value is `v1.<key id>.<base64url(nonce | ciphertext+tag)>`. The nonce is 96 random bits
per value; the key id (the first 8 hex digits of SHA-256 of the key) names the key that sealed it,
so keys can rotate: new values use the current key, old ones still open with any key listed in
`OAUTH_ENCRYPTION_KEYS_OLD`. The associated data binds a value to its owner and purpose
("user 7's refresh token"): a blob copied to another row or field fails to open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
MIN_DISTINCT_BYTES = 16


class InvalidKeyError(ValueError):
    """An encryption key that cannot be used; the message says why (never the key)."""


class DecryptionError(ValueError):
    """A sealed value that does not open: wrong key, wrong associated data, or tampered."""


def parse_key(encoded: str, *, name: str = "OAUTH_ENCRYPTION_KEY") -> bytes:
    """Decode a base64 key and refuse weak ones: not 32 bytes, all zero, or fewer than 16 distinct bytes."""
    try:
        key = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidKeyError(f"{name} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise InvalidKeyError(f"{name} must decode to {KEY_BYTES} bytes, not {len(key)}")
    if not any(key):
        raise InvalidKeyError(f"{name} is all zero bytes")
    if len(set(key)) < MIN_DISTINCT_BYTES:
        raise InvalidKeyError(f"{name} has fewer than {MIN_DISTINCT_BYTES} distinct bytes; generate a random key")
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def generate_key() -> str:
    """A new random key, base64-encoded as OAUTH_ENCRYPTION_KEY expects."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def associated_data(*, owner: str, purpose: str) -> bytes:
    return f"kubemcp:{purpose}:{owner}".encode()


class TokenCipher:
    """Seals and opens strings with the current key; opens with old keys too."""

    def __init__(self, current: bytes, old: Iterable[bytes] = ()) -> None:
        self._current_id = key_id(current)
        self._current = AESGCM(current)
        self._keys = {self._current_id: self._current}
        for key in old:
            self._keys.setdefault(key_id(key), AESGCM(key))

    @classmethod
    def from_settings(cls, settings: object | None = None) -> TokenCipher:
        if settings is None:
            from django.conf import settings as django_settings

            settings = django_settings
        current = getattr(settings, "OAUTH_ENCRYPTION_KEY", "")
        if not current:
            raise InvalidKeyError("OAUTH_ENCRYPTION_KEY is not set")
        old = [
            parse_key(key, name="OAUTH_ENCRYPTION_KEYS_OLD")
            for key in getattr(settings, "OAUTH_ENCRYPTION_KEYS_OLD", [])
        ]
        return cls(parse_key(current), old)

    def seal(self, plaintext: str, *, owner: str, purpose: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._current.encrypt(nonce, plaintext.encode(), associated_data(owner=owner, purpose=purpose))
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{VERSION}.{self._current_id}.{body}"

    def open(self, value: str, *, owner: str, purpose: str) -> str:
        try:
            version, kid, body = value.split(".", 2)
        except ValueError:
            raise DecryptionError("not a sealed value") from None
        if version != VERSION:
            raise DecryptionError(f"unknown format {version!r}")
        aead = self._keys.get(kid)
        if aead is None:
            raise DecryptionError(f"sealed with unknown key {kid}; add it to OAUTH_ENCRYPTION_KEYS_OLD")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise DecryptionError("not a sealed value") from None
        if len(raw) <= NONCE_BYTES:
            raise DecryptionError("not a sealed value")
        try:
            plaintext = aead.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated_data(owner=owner, purpose=purpose)
            )
        except InvalidTag:
            raise DecryptionError("the value does not open with this key and associated data") from None
        return plaintext.decode()

    def needs_reseal(self, value: str) -> bool:
        """True when `value` was sealed with an old key (re-seal it with the current one)."""
        parts = value.split(".", 2)
        return len(parts) == 3 and parts[1] != self._current_id


_cipher: TokenCipher | None = None


def cipher() -> TokenCipher:
    """The process's cipher, built from settings on first use."""
    global _cipher
    if _cipher is None:
        _cipher = TokenCipher.from_settings()
    return _cipher


def reset_cipher() -> None:
    global _cipher
    _cipher = None
