"""The Django side of the gateway's browser hardening and per-IP limit (OAuth endpoints, metadata, pages)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from oauthgw import ratelimit
from oauthgw.headers import allowed_origins, cors_headers, security_headers

LIMITED_PREFIXES = ("/o/", "/oidc/", "/.well-known/")
PAGE_CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"


class GatewayHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.origins = allowed_origins()
        self.trusted_proxies = ratelimit.parse_networks(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request.headers.get("Origin")
        response = self.answer_directly(request, origin) or self.get_response(request)
        is_json = response.get("Content-Type", "").startswith("application/json")
        for name, value in security_headers(api=is_json):
            if name not in response:
                response[name] = value
        # The gateway's own pages get a strict policy; other apps' pages (the admin) set their own.
        if "Content-Security-Policy" not in response and request.path.startswith(LIMITED_PREFIXES):
            response["Content-Security-Policy"] = PAGE_CSP
        for name, value in cors_headers(origin, self.origins, preflight=request.method == "OPTIONS"):
            response[name] = value
        return response

    def answer_directly(self, request: HttpRequest, origin: str | None) -> HttpResponse | None:
        if not request.path.startswith(LIMITED_PREFIXES):
            return None
        if request.method == "OPTIONS" and origin:
            return HttpResponse(status=204)
        ip = ratelimit.client_ip(
            request.META.get("REMOTE_ADDR", ""), request.headers.get("X-Forwarded-For"), self.trusted_proxies
        )
        verdict = ratelimit.check("oauthgw.http.ip", ip, settings.RATE_LIMIT_PER_IP)
        if verdict.limited:
            response = JsonResponse(
                {
                    "error": "rate_limit_exceeded",
                    "error_description": f"too many requests; retry after {verdict.retry_after}s",
                },
                status=429,
            )
            response["Retry-After"] = str(verdict.retry_after)
            return response
        return None
