"""django-oauth-toolkit's request validator, tightened for an MCP gateway.

- Authorization codes are stored as their SHA-256 (like DOT's hashed access and refresh tokens),
  so no table holds a usable code; every lookup hashes the presented code first.
- Consuming a code locks its row (`select_for_update`) inside the token view's transaction, so two
  workers cannot both redeem it; refresh-token rotation is locked the same way by DOT itself. A
  code presented again after its exchange revokes the tokens it gave (RFC 6749 section 4.1.2).
- Only the authorization-code grant (with refresh tokens) and the `code` response type exist.
- Redirect URIs match exactly, except the port of an http loopback URI (RFC 8252 section 7.3), and pass the
  registration policy again.
- PKCE verifiers must be 43-128 characters of the RFC 7636 alphabet.
- Every token is bound to this server's /mcp resource (RFC 8707): an absent `resource` means
  /mcp, any other resource is `invalid_target`.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import AbstractApplication, get_grant_model, get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from oauthgw.identifiers import audience
from oauthgw.models import ConsumedCode
from oauthgw.redirects import is_registered, redirect_uri_problem

VERIFIER_PATTERN = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})


def code_checksum(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class InvalidTargetError(errors.OAuth2Error):
    error = "invalid_target"
    status_code = 400


def check_resources(resources: list[str], request: Any = None) -> list[str]:
    """The resources a token may carry: this server's /mcp only (the default when none is asked for)."""
    if not resources:
        return [audience()]
    for resource in resources:
        if resource.rstrip("/") != audience():
            raise InvalidTargetError(
                description=f"this server issues tokens only for the resource {audience()}", request=request
            )
    return [audience()]


class GatewayValidator(OAuth2Validator):
    # --- hashed authorization codes -------------------------------------------------------

    def _create_authorization_code(self, request: Any, code: dict[str, Any], expires: Any = None) -> Any:
        request.resource = check_resources(list(getattr(request, "resource", None) or []), request)
        return super()._create_authorization_code(request, {**code, "code": code_checksum(code["code"])}, expires)

    def validate_code(self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any) -> bool:
        verifier = getattr(request, "code_verifier", None)
        if verifier is not None and not VERIFIER_PATTERN.match(verifier):
            raise errors.InvalidGrantError(
                description="code_verifier must be 43-128 characters of A-Z, a-z, 0-9, '-', '.', '_', '~'",
                request=request,
            )
        checksum = code_checksum(code)
        grant = get_grant_model().objects.select_for_update().filter(code=checksum, application=client).first()
        if grant is None:
            self._revoke_replayed(checksum, client)
            return False
        if grant.is_expired():
            return False
        request.scopes = grant.scope.split(" ")
        request.user = grant.user
        return True

    def confirm_redirect_uri(
        self, client_id: str, code: str, redirect_uri: str, client: Any, *args: Any, **kwargs: Any
    ) -> bool:
        grant = get_grant_model().objects.filter(code=code_checksum(code), application=client).first()
        return grant is not None and redirect_uri == grant.redirect_uri

    def invalidate_authorization_code(self, client_id: str, code: str, request: Any, *args: Any, **kwargs: Any) -> None:
        checksum = code_checksum(code)
        super().invalidate_authorization_code(client_id, checksum, request, *args, **kwargs)
        ConsumedCode.objects.filter(consumed__lt=timezone.now() - timedelta(days=1)).delete()
        ConsumedCode.objects.create(
            checksum=checksum, application=request.client, token_family=getattr(request, "issued_token_family", None)
        )

    def _create_refresh_token(self, request: Any, refresh_token_code: str, access_token: Any, previous: Any) -> Any:
        refresh_token = super()._create_refresh_token(request, refresh_token_code, access_token, previous)
        request.issued_token_family = refresh_token.token_family
        return refresh_token

    @staticmethod
    def _revoke_replayed(checksum: str, client: Any) -> None:
        consumed = ConsumedCode.objects.filter(checksum=checksum, application=client).first()
        if consumed is not None and consumed.token_family is not None:
            get_refresh_token_model().revoke_family(consumed.token_family)

    def get_code_challenge(self, code: str, request: Any) -> Any:
        return super().get_code_challenge(code_checksum(code), request)

    def get_code_challenge_method(self, code: str, request: Any) -> Any:
        return super().get_code_challenge_method(code_checksum(code), request)

    def get_authorization_code_scopes(self, client_id: str, code: str, redirect_uri: str, request: Any) -> Any:
        return super().get_authorization_code_scopes(client_id, code_checksum(code), redirect_uri, request)

    def get_authorization_code_nonce(self, client_id: str, code: str, redirect_uri: str, request: Any) -> Any:
        return super().get_authorization_code_nonce(client_id, code_checksum(code), redirect_uri, request)

    def _check_and_set_request_resource(self, request: Any) -> None:
        code = getattr(request, "code", None)
        if request.grant_type == "authorization_code" and code:
            request.code = code_checksum(code)
            try:
                super()._check_and_set_request_resource(request)
            finally:
                request.code = code
        else:
            super()._check_and_set_request_resource(request)
        request.resource = check_resources(list(request.resource or []), request)

    # --- grants, response types, redirect URIs ---------------------------------------------

    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        return grant_type in GRANT_TYPES and super().validate_grant_type(
            client_id, grant_type, client, request, *args, **kwargs
        )

    def validate_response_type(
        self, client_id: str, response_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        return response_type == "code" and client.allows_grant_type(AbstractApplication.GRANT_AUTHORIZATION_CODE)

    def validate_redirect_uri(self, client_id: str, redirect_uri: str, request: Any, *args: Any, **kwargs: Any) -> bool:
        if not is_registered(redirect_uri, request.client.redirect_uris.split()):
            return False
        return (
            redirect_uri_problem(
                redirect_uri,
                trusted_schemes=settings.TRUSTED_REDIRECT_SCHEMES,
                allow_private_ips=settings.ALLOW_PRIVATE_IP_REDIRECT_URIS,
            )
            is None
        )
