"""What Django's debug error page may show: never the settings, and of the request only its headers.

With DEBUG on (a checkout's development run) Django's technical 500 page lists every setting and the
request's META; its default filter hides only names that look secret, so DATABASE_URL (with its
password), KUBECONFIG and OAUTH_BASE_URL were on a page anyone could reach. This filter shows no
settings, of META only the HTTP headers and the request line (secret-looking ones hidden), and the
traceback's local variables only to signed-in staff.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

REQUEST_LINE = frozenset({"REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT"})


class NoSettingsReporterFilter(SafeExceptionReporterFilter):
    def get_safe_settings(self) -> dict[str, Any]:
        return {}

    def get_traceback_frame_variables(self, request: HttpRequest | None, tb_frame: Any) -> Any:
        # A frame's local variables can hold anything a setting held; only signed-in staff see them.
        user = getattr(request, "user", None)
        if user is None or not (user.is_active and user.is_staff):
            return []
        return super().get_traceback_frame_variables(request, tb_frame)

    def get_safe_request_meta(self, request: HttpRequest) -> dict[str, Any]:
        meta = super().get_safe_request_meta(request)
        return {name: value for name, value in meta.items() if name.startswith("HTTP_") or name in REQUEST_LINE}
