"""Probes: /healthz while the process serves; /readyz only while the database and the Kubernetes API answer."""

from __future__ import annotations

from typing import ClassVar

import httpx2

from tests.live import LiveServerTestCase


class HealthTests(LiveServerTestCase):
    def get(self, path: str) -> httpx2.Response:
        return httpx2.get(f"{self.server.url}{path}", timeout=15)

    def test_the_server_is_alive_and_ready_with_its_cluster(self) -> None:
        self.assertEqual(self.get("/healthz").status_code, 200)
        ready = self.get("/readyz")
        self.assertEqual(ready.status_code, 200, ready.text)
        self.assertEqual(ready.json()["checks"], {"database": "ok", "kubernetes": "ok"})

    def test_it_is_unready_but_alive_while_the_kubernetes_api_is_down(self) -> None:
        self.running.pause()
        try:
            ready = self.get("/readyz")
            self.assertEqual(ready.status_code, 503, ready.text)
            self.assertEqual(ready.json()["checks"]["database"], "ok")
            self.assertTrue(ready.json()["checks"]["kubernetes"].startswith("error"))
            self.assertEqual(self.get("/healthz").status_code, 200)
        finally:
            self.running.resume()
        self.assertEqual(self.get("/readyz").status_code, 200)


class ReadyWithoutKubernetesTests(LiveServerTestCase):
    server_env: ClassVar[dict[str, str]] = {"READY_REQUIRES_KUBERNETES": "false"}

    def test_it_stays_ready_while_the_kubernetes_api_is_down(self) -> None:
        self.running.pause()
        try:
            ready = httpx2.get(f"{self.server.url}/readyz", timeout=15)
        finally:
            self.running.resume()
        self.assertEqual(ready.status_code, 200, ready.text)
        self.assertEqual(ready.json()["checks"], {"database": "ok"})
