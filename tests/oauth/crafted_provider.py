"""An OpenID provider that signs whatever ID-token claims a test asks for: real HTTP, real JWKS, RS256.

The certified provider of tests/oauth/provider.py issues only well-formed tokens; the checks on a
hostile provider's tokens (another `azp`, `email_verified` as the string "false" or absent, an email
with a leading space) need tokens no honest provider issues. This one serves discovery, a JWKS, an
authorization endpoint that approves at once (no login page) and a token endpoint that checks the
client secret and the PKCE verifier, then signs `claims` over a sound default token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_ID = "crafted-1"


class CraftedProvider:
    """Same constructor and start/stop as tests.oauth.provider.OIDCProvider; set `claims` before a login.

    `claims` overrides the default ID-token claims of the next logins; a value of None removes a claim.
    """

    def __init__(self, *, client_id: str, client_secret: str, redirect_uri: str, id_token_ttl: int = 3600) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.id_token_ttl = id_token_ttl
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.claims: dict[str, Any] = {}
        self.pending: dict[str, tuple[str, str]] = {}  # code -> (nonce, code_challenge)
        self.issued = 0
        provider = self

        class Handler(_Handler):
            owner: ClassVar[CraftedProvider] = provider

        # Bound here, on a port the OS chooses, since the issuer (its URL) is needed before `start`.
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.serving = False

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> CraftedProvider:
        self.serving = True
        threading.Thread(target=self.server.serve_forever, name="crafted-oidc", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.serving:  # shutdown() waits for a serve_forever that has started
            self.server.shutdown()
        self.server.server_close()

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "crafted-subject",
            "email": "crafted@example.com",
            "email_verified": True,
            "iat": now,
            "exp": now + self.id_token_ttl,
            "nonce": nonce,
        }
        claims.update(self.claims)
        payload = {name: value for name, value in claims.items() if value is not None}
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": KEY_ID})

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}


class _Handler(BaseHTTPRequestHandler):
    owner: ClassVar[CraftedProvider]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        provider = self.owner
        url = urlsplit(self.path)
        if url.path == "/.well-known/openid-configuration":
            self.answer(
                200,
                {
                    "issuer": provider.issuer,
                    "authorization_endpoint": f"{provider.issuer}/auth",
                    "token_endpoint": f"{provider.issuer}/token",
                    "jwks_uri": f"{provider.issuer}/jwks",
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                },
            )
        elif url.path == "/jwks":
            self.answer(200, provider.jwks())
        elif url.path == "/auth":
            params = {name: values[0] for name, values in parse_qs(url.query).items()}
            if params.get("client_id") != provider.client_id or params.get("redirect_uri") != provider.redirect_uri:
                self.answer(400, {"error": "invalid_request"})
                return
            code = secrets.token_urlsafe(24)
            provider.pending[code] = (params.get("nonce", ""), params.get("code_challenge", ""))
            self.send_response(302)
            self.send_header(
                "Location", f"{provider.redirect_uri}?{urlencode({'code': code, 'state': params['state']})}"
            )
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.answer(404, {"error": "not_found"})

    def do_POST(self) -> None:  # noqa: N802
        provider = self.owner
        length = int(self.headers.get("Content-Length") or 0)
        form = {name: values[0] for name, values in parse_qs(self.rfile.read(length).decode()).items()}
        if urlsplit(self.path).path != "/token":
            self.answer(404, {"error": "not_found"})
            return
        if form.get("client_id") != provider.client_id or form.get("client_secret") != provider.client_secret:
            self.answer(401, {"error": "invalid_client"})
            return
        nonce, challenge = provider.pending.pop(form.get("code", ""), ("", ""))
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if not challenge or base64.urlsafe_b64encode(digest).decode().rstrip("=") != challenge:
            self.answer(400, {"error": "invalid_grant"})
            return
        provider.issued += 1
        self.answer(
            200,
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": provider.id_token_ttl,
                "refresh_token": secrets.token_urlsafe(24),
                "id_token": provider.id_token(nonce),
            },
        )
