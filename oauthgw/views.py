"""The authorization server's endpoints: django-oauth-toolkit's views with the gateway's rules.

- `AuthorizeView` checks the request (client, redirect URI, state, S256 PKCE, resource) *before*
  sending an anonymous user to the upstream login, answers errors it cannot redirect as OAuth
  JSON, and hands custom-scheme redirects to an interstitial page (RFC 8252 section 7.1).
- `TokenView` runs each exchange in one transaction, so the row locks taken while consuming an
  authorization code or a refresh token hold until the new tokens are committed.
- `IntrospectView` (RFC 7662) answers authenticated confidential clients about their own tokens.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.views import AuthorizationView, OAuthServerMetadataView, RevokeTokenView, TokenView
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import Request as OauthlibRequest
from oauthlib.oauth2 import OAuth2Error

from oauthgw.errors import oauth_error
from oauthgw.identifiers import audience, issuer
from oauthgw.redirects import is_custom_scheme
from oauthgw.validator import GRANT_TYPES

MIN_STATE_LENGTH = 32
CONSENT_SESSION_KEY = "oauthgw.consents"
CONSENT_FIELDS = ("client_id", "redirect_uri", "response_type", "state", "scope", "code_challenge",
                  "code_challenge_method", "nonce", "claims", "resource")  # fmt: skip
MAX_PENDING_CONSENTS = 10
QUERY_SECRETS = frozenset(
    {"client_secret", "client_assertion", "code", "code_verifier", "refresh_token", "password", "token"}
)
S256_CHALLENGE_LENGTH = 43


def authorization_problem(params: Any, credentials: dict[str, Any]) -> tuple[str, str] | None:
    """The (error, description) of an authorization request oauthlib accepted but the gateway does not."""
    state = credentials.get("state") or ""
    if not settings.ALLOW_INSECURE_AUTH_WITHOUT_STATE and len(state) < MIN_STATE_LENGTH:
        return "invalid_request", f"state is required and must be at least {MIN_STATE_LENGTH} characters"
    if params.get("code_challenge_method") != "S256":
        return "invalid_request", "PKCE is required with code_challenge_method=S256 (plain is not accepted)"
    if len(credentials.get("code_challenge") or "") != S256_CHALLENGE_LENGTH:
        return "invalid_request", "code_challenge must be the 43-character base64url SHA-256 of the verifier"
    for resource in params.getlist("resource"):
        if resource.rstrip("/") != audience():
            return "invalid_target", f"this server issues tokens only for the resource {audience()}"
    return None


def consent_record(values: Any) -> dict[str, str]:
    """The request a consent form stands for, as its hidden fields carry it."""
    return {name: "" if values.get(name) is None else str(values.get(name)) for name in CONSENT_FIELDS}


class AuthorizeView(AuthorizationView):
    template_name = "oauthgw/authorize.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.oauth2_data: dict[str, Any] = {}
        if request.method == "GET":
            try:
                _scopes, credentials = self.validate_authorization_request(request)
            except OAuthToolkitError as error:
                return self.error_response(error, None)
            if problem := authorization_problem(request.GET, credentials):
                return self.redirect_error(credentials, *problem)
            if "none" in request.GET.get("prompt", "").split():
                # OIDC Core 3.1.2.6: no page may be shown. Consent is asked every time here, so a signed-in
                # user gets consent_required (an anonymous one login_required); RFC 9207: with `iss`.
                needed = "consent_required" if request.user.is_authenticated else "login_required"
                return self.redirect_error(credentials, needed, "prompt=none, and this request needs the user")
        elif request.method == "POST" and request.user.is_authenticated and (refusal := self.consent_problem(request)):
            return refusal
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        if self.request.method == "GET" and initial.get("state"):
            # What the page shows; its POST must carry the same request (consent_problem).
            shown = dict(self.request.session.get(CONSENT_SESSION_KEY, {}))
            shown[str(initial["state"])] = consent_record(initial)
            self.request.session[CONSENT_SESSION_KEY] = dict(list(shown.items())[-MAX_PENDING_CONSENTS:])
        return initial

    def consent_problem(self, request: HttpRequest) -> HttpResponse | None:
        """The consent POST passes the rules of the GET again, and is the request the page was shown for."""
        core = get_oauthlib_core()
        _uri, _method, body, headers = core._extract_params(request)
        try:
            # The form's fields only: the page posts back to its own URL, whose query would count twice.
            _scopes, credentials = core.server.validate_authorization_request(
                request.build_absolute_uri(request.path), http_method="POST", body=body, headers=headers
            )
        except OAuth2Error as error:
            return oauth_error(error.error, error.description or error.error)
        if problem := authorization_problem(request.POST, credentials):
            return oauth_error(*problem)
        shown = request.session.get(CONSENT_SESSION_KEY, {})
        if shown.get(request.POST.get("state", "")) != consent_record(request.POST):
            return oauth_error(
                "invalid_request", "the consent form does not match the authorization request it was shown for"
            )
        del shown[request.POST["state"]]
        request.session[CONSENT_SESSION_KEY] = shown
        return None

    def redirect_error(self, credentials: dict[str, Any], error: str, description: str) -> HttpResponse:
        params = {"error": error, "error_description": description, "iss": issuer()}
        if credentials.get("state"):
            params["state"] = credentials["state"]
        uri = credentials["redirect_uri"]
        return self.redirect(f"{uri}{'&' if '?' in uri else '?'}{urlencode(params)}", None)

    def error_response(self, error: Any, application: Any, **kwargs: Any) -> HttpResponse:
        redirect, response = OAuthLibMixin.error_response(self, error, **kwargs)
        if redirect and response["error"].redirect_uri:
            return self.redirect(f"{response['url']}&{urlencode({'iss': issuer()})}", application)
        oauth_error = response["error"]
        return JsonResponse(
            {"error": oauth_error.error, "error_description": oauth_error.description or oauth_error.error},
            status=oauth_error.status_code,
        )

    def redirect(self, redirect_to: str, application: Any) -> HttpResponse:
        if is_custom_scheme(redirect_to):
            # A browser may not follow a 302 to an app's scheme silently; a page hands control back instead.
            return render(self.request, "oauthgw/success.html", {"redirect_to": redirect_to}, status=200)
        return super().redirect(redirect_to, application)


@method_decorator(
    sensitive_post_parameters("code", "code_verifier", "refresh_token", "client_secret", "password"), name="post"
)
class GatewayTokenView(TokenView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if refusal := credentials_in_query(request):
            return refusal
        grant_type = request.POST.get("grant_type")
        if grant_type not in GRANT_TYPES:
            # Before any client or user credential is looked at: oauthlib's password grant checks the user's
            # password before it asks whether the grant is allowed, which made it a password oracle (and a
            # password hash per request inside a transaction). The same answer, at the same cost, for any input.
            return oauth_error(
                "unsupported_grant_type", f"this server accepts only the grant types {', '.join(sorted(GRANT_TYPES))}"
            )
        with transaction.atomic():
            response = super().post(request, *args, **kwargs)
        # RFC 6749 section 5.1/5.2: token answers, errors included, are JSON and never cached.
        response["Content-Type"] = "application/json"
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return basic_challenge(response)


def basic_challenge(response: HttpResponse) -> HttpResponse:
    """RFC 6749 section 5.2: an invalid_client answer challenges with the scheme clients authenticate with here
    (HTTP Basic), never with oauthlib's Bearer, which belongs to resource servers."""
    if response.status_code == 401:
        response["WWW-Authenticate"] = 'Basic realm="kubemcp", charset="UTF-8"'
    return response


def credentials_in_query(request: HttpRequest) -> HttpResponse | None:
    """RFC 6749 sections 2.3.1 and 3.2: credentials and grants go in the body, never in the URI (which proxies and
    access logs keep). Refused before anything reads them."""
    present = sorted(set(request.GET) & QUERY_SECRETS)
    if not present:
        return None
    return oauth_error("invalid_request", f"send {', '.join(present)} in the request body, not in the URL")


@method_decorator(sensitive_post_parameters("token", "client_secret"), name="post")
class GatewayRevokeView(RevokeTokenView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if refusal := credentials_in_query(request):
            return refusal
        with transaction.atomic():
            return basic_challenge(super().post(request, *args, **kwargs))


class GatewayMetadataView(OAuthServerMetadataView):
    """RFC 8414 metadata as DOT builds it, saying what the introspection endpoint really accepts."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        if "introspection_endpoint_auth_methods_supported" in data:
            # IntrospectView answers only authenticated confidential clients (RFC 7662 section 2.1).
            methods = data["introspection_endpoint_auth_methods_supported"]
            data["introspection_endpoint_auth_methods_supported"] = [m for m in methods if m != "none"]
        return JsonResponse(data, headers={"Access-Control-Allow-Origin": "*"})


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(sensitive_post_parameters("token", "client_secret"), name="post")
class IntrospectView(View):
    """RFC 7662 for confidential clients, about tokens issued to them; anything else is `active: false`."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        if refusal := credentials_in_query(request):
            return refusal
        core = get_oauthlib_core()
        uri, method, body, headers = core._extract_params(request)
        oauth_request = OauthlibRequest(uri, method, body, headers)
        validator = core.server.request_validator
        if not validator.authenticate_client(oauth_request) or oauth_request.client.client_type != "confidential":
            response = JsonResponse(
                {"error": "invalid_client", "error_description": "client authentication failed"}, status=401
            )
            response["WWW-Authenticate"] = 'Basic realm="kubemcp"'
            return response
        value = request.POST.get("token")
        if not value:
            return JsonResponse(
                {"error": "invalid_request", "error_description": "the token parameter is missing"}, status=400
            )
        checksum = hashlib.sha256(value.encode()).hexdigest()
        token = (
            get_access_token_model()
            .objects.select_related("user", "application")
            .filter(token_checksum=checksum, application=oauth_request.client)
            .first()
        )
        if token is None or not token.is_valid():
            return JsonResponse({"active": False}, headers={"Cache-Control": "no-store"})
        data: dict[str, Any] = {
            "active": True,
            "token_type": "Bearer",
            "scope": token.scope,
            "client_id": oauth_request.client.client_id,
            "exp": int(calendar.timegm(token.expires.timetuple())),
            "iat": int(calendar.timegm(token.created.timetuple())),
            "iss": issuer(),
        }
        if token.user:
            data["sub"] = str(token.user.pk)
            data["username"] = token.user.get_username()
        if token.resource:
            data["aud"] = token.resource
        return JsonResponse(data, headers={"Cache-Control": "no-store"})
