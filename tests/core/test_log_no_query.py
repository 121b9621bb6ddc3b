"""No log line carries a request's query string (issue #24: a client_secret sent in a query string was
written to the log by Django's request logger; RFC 6749 section 2.3.1 keeps credentials out of URIs because
URIs end up in logs)."""

from __future__ import annotations

import io
import logging
import secrets

from django.test import SimpleTestCase


class LogWithoutQueryTest(SimpleTestCase):
    def test_a_refused_request_is_logged_without_its_query_string(self) -> None:
        handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler))
        secret = secrets.token_urlsafe(24)
        output = io.StringIO()
        original = handler.setStream(output)
        logger = logging.getLogger("django.request")
        level = logger.level
        logger.setLevel(logging.WARNING)
        try:
            response = self.client.post(f"/no-such-page/?client_secret={secret}", {"grant_type": "x"})
        finally:
            handler.setStream(original)
            logger.setLevel(level)
        self.assertEqual(response.status_code, 404)
        logged = output.getvalue()
        self.assertIn("Not Found: /no-such-page/", logged)
        self.assertIn("request=POST /no-such-page/", logged)
        self.assertNotIn(secret, logged)
