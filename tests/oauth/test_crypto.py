"""AES-256-GCM sealing of upstream tokens: round trip, binding to owner and purpose, weak keys, rotation."""

from __future__ import annotations

import base64
import os
from unittest import TestCase

from oauthgw.crypto import DecryptionError, InvalidKeyError, TokenCipher, generate_key, key_id, parse_key


def key() -> bytes:
    return parse_key(generate_key())


class SealingTest(TestCase):
    def setUp(self) -> None:
        self.key = key()
        self.cipher = TokenCipher(self.key)

    def test_a_sealed_value_opens_with_the_same_owner_and_purpose(self) -> None:
        sealed = self.cipher.seal("eyJhbGciOi.token", owner="user:7", purpose="id_token")
        self.assertEqual(self.cipher.open(sealed, owner="user:7", purpose="id_token"), "eyJhbGciOi.token")

    def test_a_sealed_value_does_not_contain_the_plaintext_and_never_repeats(self) -> None:
        first = self.cipher.seal("secret-refresh-token", owner="user:7", purpose="refresh_token")
        second = self.cipher.seal("secret-refresh-token", owner="user:7", purpose="refresh_token")
        self.assertNotIn("secret-refresh-token", first)
        self.assertNotEqual(first, second)  # a fresh 96-bit nonce each time
        self.assertTrue(first.startswith(f"v1.{key_id(self.key)}."))

    def test_it_refuses_another_owner(self) -> None:
        sealed = self.cipher.seal("token", owner="user:7", purpose="id_token")
        with self.assertRaises(DecryptionError):
            self.cipher.open(sealed, owner="user:8", purpose="id_token")

    def test_it_refuses_another_purpose(self) -> None:
        sealed = self.cipher.seal("token", owner="user:7", purpose="access_token")
        with self.assertRaises(DecryptionError):
            self.cipher.open(sealed, owner="user:7", purpose="refresh_token")

    def test_it_refuses_a_tampered_value(self) -> None:
        sealed = self.cipher.seal("token", owner="user:7", purpose="id_token")
        head, body = sealed.rsplit(".", 1)
        flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
        for broken in (f"{head}.{flipped}", "v1.deadbeef.AAAA", "garbage", "v2." + sealed[3:]):
            with self.subTest(value=broken), self.assertRaises(DecryptionError):
                self.cipher.open(broken, owner="user:7", purpose="id_token")

    def test_it_refuses_another_key(self) -> None:
        sealed = self.cipher.seal("token", owner="user:7", purpose="id_token")
        with self.assertRaises(DecryptionError):
            TokenCipher(key()).open(sealed, owner="user:7", purpose="id_token")


class RotationTest(TestCase):
    def test_values_sealed_with_an_old_key_still_open_and_new_ones_use_the_current_key(self) -> None:
        old, new = key(), key()
        sealed_before = TokenCipher(old).seal("token", owner="user:1", purpose="id_token")
        rotated = TokenCipher(new, [old])
        self.assertEqual(rotated.open(sealed_before, owner="user:1", purpose="id_token"), "token")
        self.assertTrue(rotated.needs_reseal(sealed_before))
        sealed_after = rotated.seal("token", owner="user:1", purpose="id_token")
        self.assertEqual(sealed_after.split(".")[1], key_id(new))
        self.assertFalse(rotated.needs_reseal(sealed_after))
        with self.assertRaises(DecryptionError):
            TokenCipher(new).open(sealed_before, owner="user:1", purpose="id_token")


class WeakKeyTest(TestCase):
    def test_it_accepts_32_random_bytes(self) -> None:
        self.assertEqual(len(parse_key(base64.b64encode(os.urandom(32)).decode())), 32)

    def test_it_refuses_weak_or_malformed_keys(self) -> None:
        cases = {
            "not base64": "not base64!!",
            "16 bytes": base64.b64encode(os.urandom(16)).decode(),
            "64 bytes": base64.b64encode(os.urandom(64)).decode(),
            "all zero": base64.b64encode(bytes(32)).decode(),
            "repetitive": base64.b64encode(bytes(range(8)) * 4).decode(),
        }
        for name, value in cases.items():
            with self.subTest(case=name), self.assertRaises(InvalidKeyError) as raised:
                parse_key(value)
            self.assertNotIn(value, str(raised.exception))
