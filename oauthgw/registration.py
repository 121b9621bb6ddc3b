"""RFC 7591 client registration, guarded: django-oauth-toolkit registers, the gateway decides who may.

Before DOT sees a request: the registration token (a bearer compared in constant time) unless
`ALLOW_PUBLIC_REGISTRATION` (refusals counted per IP against `MAX_REFUSED_REGISTRATIONS_PER_HOUR`),
the per-IP registration rate (`MAX_REGISTRATIONS_PER_HOUR`, spent only by authenticated requests),
the JSON body's size and depth (oauthgw.jsonbody),
the per-IP client cap (`MAX_CLIENTS_PER_IP`), and the redirect-URI policy of oauthgw.redirects.
Only the authorization-code grant (with refresh tokens) can be registered. DOT stores the client
secret hashed and returns it once.
"""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import get_application_model
from oauth2_provider.utils import parse_bearer_token
from oauth2_provider.views import DynamicClientRegistrationManagementView, DynamicClientRegistrationView

from oauthgw import addresses, jsonbody, ratelimit
from oauthgw.models import ClientRegistration
from oauthgw.redirects import redirect_uri_problem

ALLOWED_GRANT_TYPES = {"authorization_code", "refresh_token"}
HOUR = 3600


def registration_error(error: str, description: str, status: int = 400, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def metadata_problem(data: Any) -> JsonResponse | None:
    """Refuse metadata the gateway does not accept, with RFC 7591 error codes."""
    if not isinstance(data, dict):
        return registration_error("invalid_client_metadata", "the body must be a JSON object")
    uris = data.get("redirect_uris")
    if not isinstance(uris, list) or not uris or not all(isinstance(uri, str) for uri in uris):
        return registration_error("invalid_redirect_uri", "redirect_uris must be a non-empty array of URIs")
    for uri in uris:
        if problem := redirect_uri_problem(
            uri,
            trusted_schemes=settings.TRUSTED_REDIRECT_SCHEMES,
            allow_private_ips=settings.ALLOW_PRIVATE_IP_REDIRECT_URIS,
            resolve=addresses.resolve,
        ):
            return registration_error("invalid_redirect_uri", problem)
    grant_types = data.get("grant_types", ["authorization_code"])
    if (
        not isinstance(grant_types, list)
        or not set(grant_types) <= ALLOWED_GRANT_TYPES
        or "authorization_code" not in grant_types
    ):
        return registration_error(
            "invalid_client_metadata", "grant_types must be authorization_code, optionally with refresh_token"
        )
    if data.get("response_types", ["code"]) != ["code"]:
        return registration_error("invalid_client_metadata", 'response_types must be ["code"]')
    return None


@method_decorator(csrf_exempt, name="dispatch")
class RegistrationView(DynamicClientRegistrationView):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trusted_proxies = ratelimit.parse_networks(settings.TRUSTED_PROXIES)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ip = ratelimit.client_ip(
            request.META.get("REMOTE_ADDR", ""), request.headers.get("X-Forwarded-For"), self.trusted_proxies
        )
        if refusal := self.authenticate(request):
            # Refusals have a budget of their own, so bad tokens from an address shared with legitimate
            # registrants (a NAT, a proxy) do not lock those out of theirs.
            rate = f"{settings.MAX_REFUSED_REGISTRATIONS_PER_HOUR}/h"
            verdict = ratelimit.check("oauthgw.register.refused", ip, rate)
            if verdict.limited:
                return registration_error(
                    "rate_limit_exceeded",
                    f"too many refused registrations from this address; retry after {verdict.retry_after}s",
                    429,
                    Retry_After=str(verdict.retry_after),
                )
            return refusal
        verdict = ratelimit.check("oauthgw.register", ip, f"{settings.MAX_REGISTRATIONS_PER_HOUR}/h")
        if verdict.limited:
            return registration_error(
                "rate_limit_exceeded",
                f"too many registrations from this address; retry after {verdict.retry_after}s",
                429,
                Retry_After=str(verdict.retry_after),
            )
        try:
            data = jsonbody.parse(request.body)
        except jsonbody.BadBody as error:
            return registration_error("invalid_client_metadata", str(error))
        if refusal := metadata_problem(data):
            return refusal
        with transaction.atomic():
            if (
                ClientRegistration.objects.select_for_update().filter(ip_address=ip).count()
                >= settings.MAX_CLIENTS_PER_IP
            ):
                return registration_error(
                    "too_many_clients",
                    f"this address already registered {settings.MAX_CLIENTS_PER_IP} clients",
                    429,
                    Retry_After=str(HOUR),
                )
            response = super().post(request, *args, **kwargs)
            if response.status_code != 201:
                return response
            answer = json.loads(response.content)
            application = get_application_model().objects.get(client_id=answer["client_id"])
            ClientRegistration.objects.create(application=application, ip_address=ip)
        answer["client_id_issued_at"] = int(time.time())
        if "client_secret" in answer:
            answer["client_secret_expires_at"] = 0
        return JsonResponse(answer, status=201, headers={"Cache-Control": "no-store"})

    def authenticate(self, request: HttpRequest) -> HttpResponse | None:
        if settings.ALLOW_PUBLIC_REGISTRATION:
            return None
        presented = parse_bearer_token(request.headers.get("Authorization", ""))
        if presented is None:
            return registration_error(
                "invalid_token",
                "registration requires the registration access token",
                401,
                WWW_Authenticate='Bearer realm="kubemcp"',
            )
        expected = settings.REGISTRATION_TOKEN
        if not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
            return registration_error(
                "invalid_token",
                "the registration access token is not valid",
                401,
                WWW_Authenticate='Bearer realm="kubemcp", error="invalid_token"',
            )
        return None


@method_decorator(csrf_exempt, name="dispatch")
class RegistrationManagementView(DynamicClientRegistrationManagementView):
    """RFC 7592 read, update and delete; an update must pass the same metadata rules as a registration."""

    def put(self, request: HttpRequest, client_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        auth = self._authenticate_registration_request(request, client_id)
        if isinstance(auth, HttpResponse):
            return auth
        try:
            data = jsonbody.parse(request.body)
        except jsonbody.BadBody as error:
            return registration_error("invalid_client_metadata", str(error))
        if refusal := metadata_problem(data) or auth_method_problem(auth.application, data):
            return refusal
        return super().put(request, client_id, *args, **kwargs)


def auth_method_problem(application: Any, data: dict[str, Any]) -> JsonResponse | None:
    """An update keeps the client's authentication method (RFC 7592 section 2.2 lets the server refuse).

    Turning a confidential client public would let its refresh tokens be used without the secret; turning a
    public one confidential would give it a secret it never had.
    """
    current = "none" if application.client_type == "public" else "a client secret"
    requested = data.get("token_endpoint_auth_method", "client_secret_basic")
    wanted = "none" if requested == "none" else "a client secret"
    if wanted != current:
        return registration_error(
            "invalid_client_metadata",
            f"token_endpoint_auth_method cannot change: this client authenticates with {current}"
            + (' (send "none")' if current == "none" else ""),
        )
    return None
