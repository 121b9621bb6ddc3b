"""Upstream login (Dex or Google) through mozilla-django-oidc, with the checks it leaves out.

`/o/authorize/` sends an anonymous user to `LOGIN_URL` (`UpstreamLoginView`), which redirects to
the provider with state, nonce and PKCE (S256); the provider sends the user back to
`UpstreamCallbackView`, whose backend (`UpstreamBackend`) exchanges the code, checks the ID
token's signature, issuer, audience, authorized party, expiry and nonce, finds the account by the
token's (iss, sub) (oauthgw.models.UpstreamIdentity; never by email), logs the user in, and stores
the provider's tokens sealed (oauthgw.upstream_tokens). A first login makes an account named by the
verified email, unless an account of that name exists: then a superuser (admin) or the signed-in
owner (oauthgw.linking) links it. Endpoints come from the provider's discovery document, fetched
once and kept for an hour.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import absolutify
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from oauthgw import upstream_tokens
from oauthgw.linking import account_to_link
from oauthgw.models import UpstreamIdentity

log = logging.getLogger("kubemcp.oauth")

GOOGLE_ISSUER = "https://accounts.google.com"
DISCOVERY_SECONDS = 3600
CLOCK_SKEW_SECONDS = 30


class UpstreamError(Exception):
    """The upstream provider cannot be used right now (discovery, network, bad answer)."""


def provider_issuer() -> str:
    return GOOGLE_ISSUER if settings.OAUTH_PROVIDER == "google" else str(settings.DEX_ISSUER_URL).rstrip("/")


def tls_verify() -> bool | str:
    """`requests`' verify argument: the Dex CA bundle when one is configured."""
    return settings.OIDC_VERIFY_SSL


_discovery_lock = threading.Lock()
_discovery: dict[str, tuple[float, dict[str, Any]]] = {}


def discovery() -> dict[str, Any]:
    """The provider's OpenID configuration (cached for an hour per process)."""
    issuer = provider_issuer()
    with _discovery_lock:
        cached = _discovery.get(issuer)
        if cached and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
            return cached[1]
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10, verify=tls_verify())
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise UpstreamError(f"cannot read the discovery document of {issuer}: {error}") from None
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer:
        raise UpstreamError(f"the discovery document of {issuer} names another issuer")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(document.get(key), str):
            raise UpstreamError(f"the discovery document of {issuer} has no {key}")
    with _discovery_lock:
        _discovery[issuer] = (time.monotonic(), document)
    return document


def verify_id_token(backend: OIDCAuthenticationBackend, token: str) -> dict[str, Any]:
    """Signature (RS256 from the provider's JWKS), issuer, audience, authorized party, expiry."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise SuspiciousOperation("the ID token is not a JWT") from None
    if header.get("alg") != "RS256":
        raise SuspiciousOperation("the ID token is not signed with RS256")
    key = backend.retrieve_matching_jwk(token)
    client_id = settings.OIDC_RP_CLIENT_ID
    audiences = [client_id]
    if settings.OAUTH_PROVIDER == "dex" and settings.DEX_K8S_AUTHENTICATOR_CLIENT_ID:
        audiences.append(settings.DEX_K8S_AUTHENTICATOR_CLIENT_ID)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=audiences,
            issuer=provider_issuer(),
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as error:
        raise SuspiciousOperation(f"the ID token was refused: {error}") from None
    token_audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    # OIDC Core 3.1.3.7 steps 3-5: with several audiences, or when we are not among them (Dex cross-client),
    # we must be the authorized party; and an `azp` that is present must name us, whatever the audience.
    if (len(token_audiences) > 1 or client_id not in token_audiences) and claims.get("azp") != client_id:
        raise SuspiciousOperation("the ID token was issued to another client")
    if "azp" in claims and claims["azp"] != client_id:
        raise SuspiciousOperation("the ID token names another client as its authorized party")
    return claims


class UpstreamBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with endpoints from discovery, full ID-token checks and sealed tokens."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No network here: Django builds a backend for every session lookup.
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = "RS256"
        self.OIDC_RP_IDP_SIGN_KEY = None
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:  # noqa: N802 - mozilla-django-oidc's attribute name
        return str(discovery()["token_endpoint"])

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:  # noqa: N802
        return str(discovery()["jwks_uri"])

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str | None:  # noqa: N802
        endpoint = discovery().get("userinfo_endpoint")
        return str(endpoint) if endpoint else None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        claims = verify_id_token(self, token)
        nonce = kwargs.get("nonce")
        if claims.get("nonce") != nonce or not nonce:
            raise SuspiciousOperation("the ID token's nonce does not match this login")
        return claims

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        self.request = request
        if request is None:
            return None
        code, state = request.GET.get("code"), request.GET.get("state")
        nonce, verifier = kwargs.pop("nonce", None), kwargs.pop("code_verifier", None)
        if not code or not state or not verifier:
            return None
        token_info = self.get_token(
            {
                "client_id": self.OIDC_RP_CLIENT_ID,
                "client_secret": self.OIDC_RP_CLIENT_SECRET,
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": absolutify(request, reverse("oidc_authentication_callback")),
                "code_verifier": verifier,
            }
        )
        id_token = token_info.get("id_token")
        if not isinstance(id_token, str):
            raise SuspiciousOperation("the provider returned no ID token")
        claims = self.verify_token(id_token, nonce=nonce)
        user = self.get_or_create_user(token_info.get("access_token"), id_token, claims)
        if user is not None:
            upstream_tokens.store(user, token_info, claims, provider=settings.OAUTH_PROVIDER, issuer=provider_issuer())
        return user

    def get_userinfo(self, access_token: str | None, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        claims = dict(payload)
        if access_token and self.OIDC_OP_USER_ENDPOINT:
            info = super().get_userinfo(access_token, id_token, payload)
            if info.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("the userinfo answer is about another subject")
            claims.update(info)
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        # Kubernetes and the audit trail name users by email, as upstream does, so the email must be one the
        # provider vouches for: `email_verified` the JSON boolean true (OIDC Core 5.1), not "false" or absent.
        return email_problem(claims) is None

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        # The person is (iss, sub) (OIDC Core 5.7), never the email: see oauthgw.models.UpstreamIdentity.
        return self.UserModel.objects.filter(
            upstream_identities__issuer=provider_issuer(), upstream_identities__subject=str(claims["sub"])
        )

    def get_username(self, claims: dict[str, Any]) -> str:
        return str(claims["email"]).lower()[:150]

    def create_user(self, claims: dict[str, Any]) -> Any:
        """A new account for a first login, unless an account of that name exists (an administrator links it),
        or the signed-in local account that asked to be linked (oauthgw.linking)."""
        linking = account_to_link(self.request)
        if linking is not None:
            try:
                with transaction.atomic():
                    UpstreamIdentity.objects.create(
                        issuer=provider_issuer(),
                        subject=str(claims["sub"]),
                        user=linking,
                        linked_by=linking.get_username(),
                    )
            except IntegrityError:
                raise SuspiciousOperation("this upstream identity is already linked to an account") from None
            log.warning("%s linked their account to %s at %s", linking.get_username(), claims["sub"], claims["iss"])
            return linking
        username = self.get_username(claims)
        try:
            with transaction.atomic():
                if self.UserModel.objects.filter(username__iexact=username).exists():
                    raise IntegrityError(username)
                user = self.UserModel.objects.create_user(username, email=claims["email"])
                UpstreamIdentity.objects.create(issuer=provider_issuer(), subject=str(claims["sub"]), user=user)
        except IntegrityError:
            log.warning(
                "upstream login refused: %s at %s names the existing account %r, which is not linked to it; "
                "an administrator can link it (Upstream identities in the admin)",
                claims["sub"],
                claims["iss"],
                username,
            )
            raise SuspiciousOperation("the account exists here and is not linked to this upstream identity") from None
        return user

    def update_user(self, user: Any, claims: dict[str, Any]) -> Any:
        return user


def email_problem(claims: dict[str, Any]) -> str | None:
    """Why the claims' email cannot name a user here, or None."""
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        return "the ID token has no email"
    if claims.get("email_verified") is not True:
        return "the provider does not say the email is verified (email_verified must be true)"
    try:
        validate_email(email)
    except ValidationError:
        return "the email is not a valid address"
    if email != email.strip():
        return "the email is not a valid address"
    return None


class UpstreamLoginView(OIDCAuthenticationRequestView):
    """Redirect to the provider's authorization endpoint (from discovery), with Dex/Google extras."""

    def __init__(self, **kwargs: Any) -> None:
        View.__init__(self, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            self.OIDC_OP_AUTH_ENDPOINT = str(discovery()["authorization_endpoint"])
        except UpstreamError as error:
            log.warning("upstream login unavailable: %s", error)
            return JsonResponse(
                {"error": "temporarily_unavailable", "error_description": "the login provider cannot be reached"},
                status=503,
            )
        return super().get(request)

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        if settings.OAUTH_PROVIDER == "google":
            # A refresh token from Google needs offline access and a fresh consent.
            return {"access_type": "offline", "prompt": "consent"}
        return {"connector_id": settings.DEX_CONNECTOR_ID} if settings.DEX_CONNECTOR_ID else {}


class UpstreamCallbackView(OIDCAuthenticationCallbackView):
    """The provider's redirect back: any failure ends on the login-failed answer, never a 500."""

    @property
    def failure_url(self) -> str:
        return reverse("oauthgw-login-failed")

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)
        except (SuspiciousOperation, UpstreamError, requests.RequestException, ValueError) as error:
            log.warning("upstream login failed: %s", error)
            return self.login_failure()


def login_failed(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "error": "access_denied",
            "error_description": "the login at the identity provider did not succeed; start again",
        },
        status=401,
    )
