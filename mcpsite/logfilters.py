"""Log records never carry a request's query string: it can hold a client secret, a code or a token.

Django's `django.request` and `django.security` records carry the request as an extra field, and the
formatters (k8stools.log) print every extra field: `request=<ASGIRequest: POST '/o/token/?client_secret=...'>`.
This filter, on the handler, replaces the request by its method and path.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest


class RequestWithoutQuery(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            record.request = f"{request.method} {request.path}"
        return True
