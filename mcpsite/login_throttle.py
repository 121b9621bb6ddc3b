"""Failed admin sign-ins are limited per account and per address, in the shared cache (every worker counts).

Each failed password check (Django's `user_login_failed` signal) counts once for the account (its username,
case-folded) and once for the client's address. Once either has used its budget
(`ADMIN_LOGIN_FAILURES_PER_ACCOUNT`, `ADMIN_LOGIN_FAILURES_PER_IP`), the admin login answers 429 with a page
that says when to try again, before any password is checked (the right one included), and writes an audit
record. The counts live in the Django cache: Redis in a team deployment, so the limit holds across workers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from k8stools.audit import record_call
from oauthgw import ratelimit

ACCOUNT_GROUP = "admin.login.account"
ADDRESS_GROUP = "admin.login.address"


def client_address(request: HttpRequest) -> str:
    return ratelimit.client_ip(
        request.META.get("REMOTE_ADDR", ""),
        request.headers.get("X-Forwarded-For"),
        ratelimit.parse_networks(settings.TRUSTED_PROXIES),
    )


def account_key(username: Any) -> str:
    return str(username or "").strip().casefold()[:150]


@receiver(user_login_failed, dispatch_uid="kubemcp-count-failed-login")
def count_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Count a failed password check against the account and the address it came from."""
    if request is None:
        return
    ratelimit.check(ACCOUNT_GROUP, account_key(credentials.get("username")), settings.ADMIN_LOGIN_FAILURES_PER_ACCOUNT)
    ratelimit.check(ADDRESS_GROUP, client_address(request), settings.ADMIN_LOGIN_FAILURES_PER_IP)


class AdminLoginThrottleMiddleware:
    """Answers a sign-in POST to the admin with 429 while its account or address is over its budget."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.login_path = reverse("admin:login")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path == self.login_path:
            refusal = self.refusal(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        username = account_key(request.POST.get("username"))
        address = client_address(request)
        by_account = ratelimit.exhausted(ACCOUNT_GROUP, username, settings.ADMIN_LOGIN_FAILURES_PER_ACCOUNT)
        by_address = ratelimit.exhausted(ADDRESS_GROUP, address, settings.ADMIN_LOGIN_FAILURES_PER_IP)
        if not (by_account.limited or by_address.limited):
            return None
        retry_after = max(by_account.retry_after, by_address.retry_after)
        reason = "this account" if by_account.limited else "this address"
        message = (
            f"Too many failed sign-ins for {reason}. Sign-in is paused; try again in {-(-retry_after // 60)} "
            "minute(s), or ask an administrator."
        )
        record_call(
            user=username or "(no username)",
            tool="admin_login",
            operation="login",
            outcome="denied",
            duration_ms=0.0,
            arguments={"address": address, "limited_by": "account" if by_account.limited else "address"},
            message=message,
        )
        context = {**admin.site.each_context(request), "title": "Sign-in paused", "message": message}
        response = render(request, "admin/login_throttled.html", context, status=429)
        response["Retry-After"] = str(retry_after)
        return response
