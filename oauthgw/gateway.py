"""The gate in front of /mcp when OAuth is on: CORS, security headers, rate limits, bearer tokens.

An ASGI middleware, so the /mcp path never enters Django's view layer. Per request it runs one
short piece of sync work in a thread (`sync_to_async`): the per-IP limit, the bearer check (the
verification cache usually answers), the per-user limit and, with downstream OAuth, the user's
upstream ID token. The result is a `k8stools.identity.Caller` in the ASGI scope; k8stools reads
it from there and knows nothing else of OAuth. Refusals are JSON-RPC error bodies with the
RFC 6750 `WWW-Authenticate` challenge that points to the protected-resource metadata.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import jwt
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from asgiwire import ASGIApp, Receive, Scope, Send, send_jsonrpc_error
from k8stools.context import get_server_context
from k8stools.dbconnections import releasing_connections
from k8stools.identity import SCOPE_KEY, Caller, IdentityError, Impersonation, impersonation_from_claims
from oauthgw import bearer, ratelimit
from oauthgw.headers import allowed_origins, cors_headers, security_headers
from oauthgw.identifiers import MCP_READ_SCOPE, MCP_SCOPE, resource_metadata_url

log = logging.getLogger("kubemcp.oauth")

# JSON-RPC error codes of the HTTP refusals (server-defined range).
AUTH_REQUIRED = -32001
RATE_LIMITED = -32029


@dataclass(frozen=True)
class Refusal:
    status: int
    code: int
    message: str
    headers: tuple[tuple[str, str], ...] = ()
    data: dict[str, str] | None = None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class OAuthGate:
    def __init__(self, app: ASGIApp, *, read_only: bool = False) -> None:
        self.app = app
        # /mcp/read-only accepts the narrower mcp:read scope as well as mcp; /mcp needs mcp.
        self.scopes = (MCP_READ_SCOPE, MCP_SCOPE) if read_only else (MCP_SCOPE,)
        self.trusted_proxies = ratelimit.parse_networks(settings.TRUSTED_PROXIES)
        self.origins = allowed_origins()
        self.security = [(name.encode(), value.encode()) for name, value in security_headers(api=True)]
        self.metadata_url = resource_metadata_url()
        self.downstream = downstream_mode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = _header(scope, b"origin")
        if scope["method"] == "OPTIONS":
            await self._preflight(origin, send)
            return
        extra = self.security + [
            (n.encode(), v.encode()) for n, v in cors_headers(origin, self.origins, preflight=False)
        ]

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        peer = scope["client"][0] if scope.get("client") else ""
        if sum(1 for key, _value in scope.get("headers", []) if key.lower() == b"authorization") > 1:
            # RFC 6750 section 3.1: more than one way of sending a token is invalid_request (400); taking
            # the first of two headers would let a proxy and the server disagree on who is calling.
            refusal = self._challenge(400, "invalid_request", "send exactly one Authorization header")
            headers = [(name.encode(), value.encode()) for name, value in refusal.headers]
            await send_jsonrpc_error(sending, refusal.status, refusal.code, refusal.message, headers, data=refusal.data)
            return
        outcome = await sync_to_async(releasing_connections(self.admit), thread_sensitive=False)(
            _header(scope, b"authorization"), peer, _header(scope, b"x-forwarded-for")
        )
        if isinstance(outcome, Refusal):
            headers = [(name.encode(), value.encode()) for name, value in outcome.headers]
            await send_jsonrpc_error(sending, outcome.status, outcome.code, outcome.message, headers, data=outcome.data)
            return
        await self.app({**scope, SCOPE_KEY: outcome}, receive, sending)

    async def _preflight(self, origin: str | None, send: Send) -> None:
        headers = [(n.encode(), v.encode()) for n, v in cors_headers(origin, self.origins, preflight=True)]
        await send({"type": "http.response.start", "status": 204, "headers": [*self.security, *headers]})
        await send({"type": "http.response.body", "body": b""})

    def admit(self, authorization: str | None, peer: str, forwarded_for: str | None) -> Caller | Refusal:
        """Sync part of a request: limits and the bearer token; the Caller for k8stools, or a refusal."""
        client_ip = ratelimit.client_ip(peer, forwarded_for, self.trusted_proxies)
        verdict = ratelimit.check("oauthgw.mcp.ip", client_ip, settings.RATE_LIMIT_PER_IP)
        if verdict.limited:
            return self._rate_limited("ip", verdict)
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return self._challenge(401, None, "an access token is required")
        try:
            grant = bearer.verify(token.strip(), scopes=self.scopes)
        except bearer.BearerError as error:
            return self._challenge(error.status, error.error, error.description)
        assert grant.user_id is not None
        verdict = ratelimit.check("oauthgw.mcp.user", str(grant.user_id), settings.RATE_LIMIT_PER_USER)
        if verdict.limited:
            return self._rate_limited("user", verdict)
        id_token = None
        if self.downstream != "off":
            from oauthgw.upstream_tokens import id_token_for

            id_token = id_token_for(grant.user_id)
            if id_token is None:
                # The tool call fails closed (k8stools counts downstream_auth_total{result="failure"}).
                get_server_context().metrics.increment("bearer_client_failures_total")
        impersonation, problem = None, ""
        if self.downstream == "impersonate":
            impersonation, problem = _impersonation(id_token)
            id_token = None  # impersonation never sends the person's token anywhere
        return Caller(
            username=grant.username,
            user_id=grant.user_id,
            is_staff=grant.is_staff,
            client_id=grant.client_id,
            id_token=id_token,
            requires_own_credentials=self.downstream != "off",
            downstream=self.downstream,
            impersonation=impersonation,
            identity_problem=problem,
        )

    def _challenge(self, status: int, error: str | None, description: str) -> Refusal:
        parts = ['Bearer realm="kubemcp"', f'resource_metadata="{self.metadata_url}"', f'scope="{self.scopes[0]}"']
        if error:
            parts += [f'error="{error}"', f'error_description="{_quoted(description)}"']
        get_server_context().metrics.increment("oauth_auth_failures_total", reason=error or "missing_token")
        return Refusal(
            status,
            AUTH_REQUIRED,
            f"Unauthorized: {description}",
            (("WWW-Authenticate", ", ".join(parts)),),
            {"error": error or "invalid_request", "error_description": description},
        )

    def _rate_limited(self, kind: str, verdict: ratelimit.Verdict) -> Refusal:
        get_server_context().metrics.increment("rate_limited_total", limit=kind)
        return Refusal(
            429,
            RATE_LIMITED,
            f"Too many requests (per-{kind} limit); retry after {verdict.retry_after}s",
            (("Retry-After", str(verdict.retry_after)),),
            {"error": "rate_limit_exceeded", "error_description": f"per-{kind} request limit reached"},
        )


def downstream_mode() -> str:
    """DOWNSTREAM_AUTH, with DOWNSTREAM_OAUTH=true (its older spelling) meaning passthrough."""
    mode = getattr(settings, "DOWNSTREAM_AUTH", "off")
    return "passthrough" if mode == "off" and settings.DOWNSTREAM_OAUTH else str(mode)


def _impersonation(id_token: str | None) -> tuple[Impersonation | None, str]:
    """The person the ID token names, or why it names no one. The token was verified (signature, issuer,
    audience) when it was stored sealed, so its claims are read here without checking the signature again."""
    if id_token is None:
        return None, "log in again so the cluster can be told who you are"
    try:
        claims = jwt.decode(id_token, options={"verify_signature": False})
        return (
            impersonation_from_claims(
                claims,
                user_claim=settings.IMPERSONATE_USER_CLAIM,
                groups_claim=settings.IMPERSONATE_GROUPS_CLAIM,
                groups_prefix=settings.IMPERSONATE_GROUPS_PREFIX,
            ),
            "",
        )
    except jwt.PyJWTError:
        return None, "your identity token cannot be read; log in again"
    except IdentityError as error:
        return None, f"{error}, so the cluster cannot be told who you are"


def protect(app: ASGIApp, *, read_only: bool = False) -> ASGIApp:
    """Wrap the /mcp app when OAuth is on; refuse to start on a bad OAuth configuration."""
    if not settings.OAUTH_ENABLED:
        return app
    from oauthgw.checks import gateway_errors

    errors = [problem for problem in gateway_errors() if problem.is_serious()]
    if errors:
        raise ImproperlyConfigured(
            "OAuth is on but misconfigured:\n"
            + "\n".join(f"  {e.id}: {e.msg} (hint: {e.hint})" if e.hint else f"  {e.id}: {e.msg}" for e in errors)
        )
    return OAuthGate(app, read_only=read_only)
