"""A signed-in local user links their own account to their upstream identity (the other way is a superuser's
*Upstream identities* form in the admin); a matching email never links anything.

The user, signed in with their local password, POSTs (with the CSRF token) to `/oidc/link/`; the session
then remembers which account asked, and the upstream login that follows links the (iss, sub) it proves to
that account, instead of refusing because an account of that email exists. The request is one-time and
lasts ten minutes; the upstream login's state and nonce are bound to the same session, so nobody else's
login can complete it.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

SESSION_KEY = "oauthgw.link"
LINK_SECONDS = 600
PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"


@require_POST
def start_link(request: HttpRequest) -> HttpResponse:
    """Start an upstream login that will link its identity to the signed-in local account."""
    user = request.user
    if not user.is_authenticated or request.session.get(BACKEND_SESSION_KEY) != PASSWORD_BACKEND:
        return JsonResponse(
            {"error": "access_denied", "error_description": "sign in with your local password first"}, status=403
        )
    request.session[SESSION_KEY] = {"user_id": user.pk, "until": time.time() + LINK_SECONDS}
    login = reverse("oidc_authentication_init")
    return HttpResponseRedirect(f"{login}?{urlencode({'next': '/admin/'})}")


def account_to_link(request: HttpRequest | None) -> Any | None:
    """The signed-in account that asked to be linked by this login, once (the request is consumed)."""
    if request is None or not hasattr(request, "session"):
        return None
    pending = request.session.pop(SESSION_KEY, None)
    user = getattr(request, "user", None)
    if not isinstance(pending, dict) or user is None or not user.is_authenticated:
        return None
    if pending.get("user_id") != user.pk or float(pending.get("until", 0)) < time.time():
        return None
    return user
