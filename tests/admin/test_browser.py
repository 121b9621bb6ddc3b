"""The admin in a real browser (headless Chromium) against a real server: log in, read the dashboard,
restrict a namespace in the policy, and see the next tool call into it refused."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from playwright.sync_api import sync_playwright

from k8stools.models import AuditRecord, PolicySettings
from tests.live import BASE_DIR, LiveServerTestCase

# The screenshots in docs/screenshots are refreshed on request (SCREENSHOTS_DIR=docs/screenshots),
# so that an ordinary test run leaves the working tree as it found it.
SCREENSHOTS = BASE_DIR / os.environ["SCREENSHOTS_DIR"] if os.environ.get("SCREENSHOTS_DIR") else Path(
    tempfile.gettempdir(), "kubemcp-screenshots"
)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LIST_PAGES = {
    "policy": "/admin/k8stools/policysettings/",
    "audit-log": "/admin/k8stools/auditrecord/",
    "port-forward-sessions": "/admin/k8stools/portforwardsession/",
    "oauth-clients": "/admin/oauth2_provider/application/",
    "access-tokens": "/admin/oauth2_provider/accesstoken/",
}


class AdminInTheBrowserTests(LiveServerTestCase):
    def setUp(self) -> None:
        get_user_model().objects.create_superuser("root", "root@example.com", "a-long-browser-password")
        PolicySettings.objects.create(non_destructive=True)
        self.text("list", resourceType="pods", namespace="default")  # one audited call for the chart

    def test_a_superuser_logs_in_reads_the_dashboard_and_restricts_a_namespace(self) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        base = self.server.url
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(f"{base}/admin/login/?next=/admin/")
                page.fill("#id_username", "root")
                page.fill("#id_password", "a-long-browser-password")
                page.click("input[type=submit]")
                page.wait_for_selector("#dashboard-link")

                page.click("#dashboard-link a")
                page.wait_for_selector("svg.hourly-chart")
                self.assertEqual(page.inner_text("#total-calls"), "1")
                self.assertEqual(page.locator("svg.hourly-chart rect.calls").count(), 24)
                page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

                for name, path in LIST_PAGES.items():
                    response = page.goto(base + path)
                    assert response is not None
                    self.assertEqual(response.status, 200, path)
                    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

                page.goto(f"{base}/admin/k8stools/policysettings/1/change/")
                page.fill("#id_restricted_namespaces", "default, kube-system")
                page.click("input[name=_save]")
                page.wait_for_selector(".messagelist .success")
            finally:
                browser.close()

        self.assertEqual(PolicySettings.objects.get().restricted_namespaces, ["default", "kube-system"])
        self.assertTrue(AuditRecord.objects.filter(tool="admin:policy", user="root").exists())
        refusal = self.error("list", resourceType="pods", namespace="default")
        self.assertIn("default", refusal)
        self.assertIn("restricted", refusal)
