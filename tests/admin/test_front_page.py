"""First impressions: the front page says how to connect, and the log has one useful line per refused request."""

from __future__ import annotations

import json
import logging

from django.test import override_settings

from tests.admin.base import AdminTestCase


class FrontPageTests(AdminTestCase):
    def test_it_shows_the_name_version_mcp_url_and_client_configuration(self) -> None:
        response = self.client.get("/", HTTP_HOST="127.0.0.1:8000")
        self.assertEqual(response.status_code, 200)
        page = response.content.decode()
        self.assertIn("kubemcp", page)
        self.assertIn(response.context["version"], page)
        self.assertEqual(response.context["mcp_url"], "http://127.0.0.1:8000/mcp")
        http_config = json.loads(response.context["http_config"])
        self.assertEqual(http_config["mcpServers"]["kubemcp"]["url"], "http://127.0.0.1:8000/mcp")
        self.assertEqual(json.loads(response.context["stdio_config"])["mcpServers"]["kubemcp"]["command"], "uvx")
        self.assertIn('href="/admin/"', page)
        self.assertIn('href="/healthz"', page)

    @override_settings(OAUTH_BASE_URL="https://kube.example.com")
    def test_behind_a_proxy_it_shows_the_public_url(self) -> None:
        response = self.client.get("/", HTTP_HOST="127.0.0.1:8000")
        self.assertEqual(response.context["mcp_url"], "https://kube.example.com/mcp")

    def test_a_hostile_host_is_refused_not_echoed(self) -> None:
        response = self.client.get("/", HTTP_HOST='evil.example.com"><script>')
        self.assertEqual(response.status_code, 400)
        self.assertNotIn(b"<script>", response.content)

    def test_it_answers_only_reads(self) -> None:
        self.assertEqual(self.client.post("/").status_code, 405)

    def test_the_favicon_is_an_empty_cached_answer_not_a_logged_404(self) -> None:
        with self.assertNoLogs("django.request"):
            response = self.client.get("/favicon.ico")
        self.assertEqual(response.status_code, 204)
        self.assertIn("max-age", response["Cache-Control"])


def stderr_lines(records: list[logging.LogRecord]) -> str:
    """The records as the server's stderr handler writes them (its filters, then its formatter)."""
    handler = logging.getLogger().handlers[0]
    return "\n".join(handler.format(record) for record in records if handler.filter(record))


class QuietLogTests(AdminTestCase):
    def test_a_404_is_one_line(self) -> None:
        # Django's own console handler (on under DEBUG) would print each one a second time.
        self.assertEqual(logging.getLogger("django").handlers, [])
        with self.assertLogs("django.request", "WARNING") as logs:
            self.client.get("/no-such-page")
        self.assertEqual(len(logs.records), 1)

    def test_a_refused_admin_action_is_logged_without_a_traceback(self) -> None:
        self.client.force_login(self.bob)  # staff: nobody adds port-forward sessions in the admin
        with self.assertLogs("django.request", "WARNING") as logs:
            response = self.client.get("/admin/k8stools/portforwardsession/add/")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(len(logs.records), 1)
        self.assertNotIn("Traceback", stderr_lines(logs.records))

    def test_daphne_keeps_its_start_up_notices_to_itself(self) -> None:
        self.assertFalse(logging.getLogger("daphne.server").isEnabledFor(logging.INFO))
