"""Logging filters that keep the server's log to one useful line per event."""

from __future__ import annotations

import logging


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
