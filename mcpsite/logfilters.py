"""Logging filters that keep the server's log to one useful line per event, with no secret in it."""

from __future__ import annotations

import logging

from django.http import HttpRequest


class RequestWithoutQuery(logging.Filter):
    """Log records never carry a request's query string: it can hold a client secret, a code or a token.

    Django's `django.request` and `django.security` records carry the request as an extra field, and the
    formatters (k8stools.log) print every extra field: `request=<ASGIRequest: POST '/o/token/?client_secret=...'>`.
    This filter, on the handler, replaces the request by its method and path.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest):
            record.request = f"{request.method} {request.path}"
        return True


class ClientErrorWithoutTraceback(logging.Filter):
    """A refused request (403 from the admin, 400, 404...) is the client's doing: one line, no traceback.

    Django logs PermissionDenied and similar with the exception attached, which prints a traceback for what is
    an ordinary answer; server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
