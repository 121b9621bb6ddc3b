from __future__ import annotations

import ipaddress

from django.core.cache import cache
from django.test import TestCase, override_settings

from k8stools.models import AuditRecord
from tests.admin.base import OwnMetrics

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_NETWORKS=LOOPBACK)
class MetricsEndpointTests(OwnMetrics, TestCase):
    def setUp(self) -> None:
        cache.clear()
        super().setUp()

    def test_loopback_reads_prometheus_text_with_the_shared_figures(self) -> None:
        metrics = self.metrics
        metrics.tool_call(tool="get", outcome="ok", seconds=0.5)
        metrics.increment("downstream_auth_total", result="failure")
        AuditRecord.objects.create(user="u", tool="get", operation="get", outcome="ok", duration_ms=40.0)
        response = self.client.get("/metrics", REMOTE_ADDR="127.0.0.1")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/plain; version="))
        body = response.content.decode()
        self.assertIn('kubemcp_tool_calls_total{outcome="ok",tool="get"} 1.0', body)
        self.assertIn('kubemcp_downstream_auth_total{result="failure"} 1.0', body)
        self.assertIn('kubemcp_tool_call_latency_seconds{quantile="0.95"} 0.04', body)
        self.assertIn("kubemcp_oauth_clients 0.0", body)
        self.assertIn("# TYPE kubemcp_tool_calls_total counter", body)

    def test_another_address_is_refused(self) -> None:
        response = self.client.get("/metrics", REMOTE_ADDR="203.0.113.9")
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("kubemcp_", response.content.decode())

    @override_settings(METRICS_TOKEN="scrape-secret", METRICS_ALLOWED_NETWORKS=[])
    def test_with_a_token_only_its_bearer_reads(self) -> None:
        self.assertEqual(self.client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code, 401)
        wrong = self.client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
        self.assertEqual(wrong.status_code, 401)
        self.assertEqual(wrong["WWW-Authenticate"], 'Bearer realm="metrics"')
        right = self.client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-secret")
        self.assertEqual(right.status_code, 200)

    @override_settings(METRICS_ALLOWED_NETWORKS=[ipaddress.ip_network("10.0.0.0/8")])
    def test_a_configured_network_reads(self) -> None:
        self.assertEqual(self.client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code, 200)
        self.assertEqual(self.client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code, 403)

    def test_only_get_is_answered(self) -> None:
        self.assertEqual(self.client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code, 405)
