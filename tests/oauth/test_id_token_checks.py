"""The upstream ID token is checked in full: signature, issuer, audience, authorized party, expiry, nonce."""

from __future__ import annotations

import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation
from django.test import SimpleTestCase, override_settings

from oauthgw.upstream import UpstreamBackend, verify_id_token

ISSUER = "https://dex.example.com"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class KeyOnlyBackend:
    """Stands in for the backend's JWKS lookup: the provider's public key."""

    def retrieve_matching_jwk(self, token: str) -> Any:
        return KEY.public_key()


def id_token(key: Any = KEY, algorithm: str = "RS256", **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": "kubemcp",
        "sub": "u1",
        "email": "u1@example.com",
        "iat": now,
        "exp": now + 600,
        "nonce": "n-1",
    }
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm=algorithm)


@override_settings(
    OAUTH_PROVIDER="dex",
    DEX_ISSUER_URL=ISSUER,
    OIDC_RP_CLIENT_ID="kubemcp",
    OIDC_RP_CLIENT_SECRET="s",
    DEX_K8S_AUTHENTICATOR_CLIENT_ID="",
)
class IdTokenChecksTest(SimpleTestCase):
    def refused(self, token: str) -> str:
        with self.assertRaises(SuspiciousOperation) as raised:
            verify_id_token(KeyOnlyBackend(), token)  # type: ignore[arg-type]
        return str(raised.exception)

    def test_a_good_token_is_accepted(self) -> None:
        self.assertEqual(verify_id_token(KeyOnlyBackend(), id_token())["sub"], "u1")  # type: ignore[arg-type]

    def test_it_refuses_another_issuer(self) -> None:
        self.refused(id_token(iss="https://evil.example.com"))

    def test_it_refuses_another_audience(self) -> None:
        self.refused(id_token(aud="someone-else"))

    def test_an_authorized_party_that_is_present_must_be_us(self) -> None:
        # OIDC Core 3.1.3.7 step 5, even when we are the only audience.
        self.refused(id_token(azp="someone-else"))

    def test_with_several_audiences_we_must_be_the_authorized_party(self) -> None:
        self.refused(id_token(aud=["kubemcp", "other"]))
        self.refused(id_token(aud=["kubemcp", "other"], azp="other"))
        self.assertEqual(
            verify_id_token(KeyOnlyBackend(), id_token(aud=["kubemcp", "other"], azp="kubemcp"))["sub"],  # type: ignore[arg-type]
            "u1",
        )

    @override_settings(DEX_K8S_AUTHENTICATOR_CLIENT_ID="kubernetes")
    def test_a_dex_cross_client_token_for_kubernetes_is_accepted_when_we_asked_for_it(self) -> None:
        claims = verify_id_token(KeyOnlyBackend(), id_token(aud="kubernetes", azp="kubemcp"))  # type: ignore[arg-type]
        self.assertEqual(claims["aud"], "kubernetes")
        self.refused(id_token(aud="kubernetes"))

    def test_it_refuses_an_expired_token(self) -> None:
        self.refused(id_token(exp=int(time.time()) - 120))

    def test_it_refuses_a_token_without_expiry(self) -> None:
        self.refused(id_token(exp=None))

    def test_it_refuses_a_forged_signature_and_other_algorithms(self) -> None:
        self.refused(id_token(key=OTHER_KEY))
        self.refused(id_token(key="a-shared-secret-of-at-least-32-bytes!", algorithm="HS256"))
        self.refused(jwt.encode({"iss": ISSUER}, None, algorithm="none"))
        self.refused("not.a.jwt")

    def test_the_login_checks_the_nonce(self) -> None:
        backend = UpstreamBackend()
        backend.retrieve_matching_jwk = KeyOnlyBackend().retrieve_matching_jwk  # type: ignore[method-assign]
        self.assertEqual(backend.verify_token(id_token(), nonce="n-1")["sub"], "u1")
        for nonce in ("n-2", None):
            with self.subTest(nonce=nonce), self.assertRaises(SuspiciousOperation):
                backend.verify_token(id_token(), nonce=nonce)
