"""The admin in a real browser (headless Chromium) against a real server with OAuth on: log in, read the
dashboard and every list page, and see what each admin action does at /mcp: a revoked token and a disabled
client's token are refused, a stopped port-forward closes its port, a restricted namespace refuses the next call.
Every admin page, at 1366x768 and 1920x1080, fits the window and has no serious or critical axe-core finding."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, TypeVar

from django.contrib.auth import get_user_model
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model
from playwright.sync_api import Page, sync_playwright

from k8stools.models import AuditRecord, PolicySettings, PortForwardSession
from oauthgw import bearer
from oauthgw.models import UpstreamToken
from tests.admin.accessibility import AXE_RUN, OVERFLOW_SCRIPT, axe_script, blocking_violations, overflow_problem
from tests.live import BASE_DIR
from tests.oauth.base import OAuthLiveTestCase
from tests.portforward.support import (
    EchoServer,
    answer,
    local_ports_of,
    refuses_connections,
    round_trip,
    serve_echo_pod,
    wait_for,
)

AccessToken = get_access_token_model()
Application = get_application_model()
RefreshToken = get_refresh_token_model()
T = TypeVar("T")

# The screenshots in docs/screenshots are refreshed on request (SCREENSHOTS_DIR=docs/screenshots),
# so that an ordinary test run leaves the working tree as it found it.
SCREENSHOTS = BASE_DIR / os.environ["SCREENSHOTS_DIR"] if os.environ.get("SCREENSHOTS_DIR") else None
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "a-long-browser-password"
POLICY = "/admin/k8stools/policysettings/"
AUDIT = "/admin/k8stools/auditrecord/"
SESSIONS = "/admin/k8stools/portforwardsession/"
CLIENTS = "/admin/oauth2_provider/application/"
ACCESS_TOKENS = "/admin/oauth2_provider/accesstoken/"
REFRESH_TOKENS = "/admin/oauth2_provider/refreshtoken/"
UPSTREAM = "/admin/oauthgw/upstreamtoken/"
LIST_PAGES = {
    "policy": POLICY,
    "audit-log": AUDIT,
    "port-forward-sessions": SESSIONS,
    "oauth-clients": CLIENTS,
    "access-tokens": ACCESS_TOKENS,
    "refresh-tokens": REFRESH_TOKENS,
    "upstream-credentials": UPSTREAM,
}


class Chromium:
    """Headless Chromium driven from a thread of its own: Playwright's sync API marks the thread that drives
    it as running an event loop, where Django's ORM and asyncio.run() (the MCP client) refuse to work."""

    def __init__(self) -> None:
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="chromium")
        self.playwright = self.run(lambda: sync_playwright().start())
        self.browser = self.run(
            lambda: self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        )

    def run(self, step: Callable[[], T]) -> T:
        return self.thread.submit(step).result(timeout=60)

    def new_page(self, base_url: str, width: int = 1920, height: int = 1000) -> AdminPage:
        return AdminPage(
            self, base_url, self.run(lambda: self.browser.new_page(viewport={"width": width, "height": height}))
        )

    def close(self) -> None:
        self.run(self.browser.close)
        self.run(self.playwright.stop)
        self.thread.shutdown()


class AdminPage:
    """One browser tab (with its own cookies) on the admin; each method is one step a person takes."""

    def __init__(self, chromium: Chromium, base_url: str, page: Page) -> None:
        self.chromium, self.base_url, self.page = chromium, base_url, page

    def log_in(self, username: str, password: str) -> None:
        def step() -> None:
            self.page.goto(f"{self.base_url}/admin/login/?next=/admin/")
            self.page.fill("#id_username", username)
            self.page.fill("#id_password", password)
            self.page.click("input[type=submit]")
            self.page.wait_for_selector("#dashboard-link")

        self.chromium.run(step)

    def open(self, path: str) -> int:
        response = self.chromium.run(lambda: self.page.goto(self.base_url + path))
        assert response is not None
        return response.status

    def click(self, selector: str, wait_for: str) -> None:
        def step() -> None:
            self.page.click(selector)
            self.page.wait_for_selector(wait_for)

        self.chromium.run(step)

    def text(self, selector: str) -> str:
        return self.chromium.run(lambda: self.page.inner_text(selector))

    def texts(self, selector: str) -> list[str]:
        return [text.strip() for text in self.chromium.run(self.page.locator(selector).all_text_contents)]

    def html(self) -> str:
        return self.chromium.run(self.page.content)

    def screenshot(self, name: str) -> None:
        if SCREENSHOTS is not None:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.chromium.run(lambda: self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True))

    def act(self, path: str, action: str, pks: list[Any]) -> str:
        """Tick the rows on a list page, choose the action, press Go; the message the admin answers with."""

        def step() -> str:
            self.page.goto(self.base_url + path)
            for pk in pks:
                self.page.check(f"input.action-select[value='{pk}']")
            self.page.select_option("select[name=action]", action)
            self.page.click("button[name=index]")
            return self.page.inner_text(".messagelist")

        return self.chromium.run(step)

    def save_form(self, path: str, fields: dict[str, str], checks: tuple[str, ...] = ()) -> str:
        def step() -> str:
            self.page.goto(self.base_url + path)
            for selector in checks:
                self.page.check(selector)
            for selector, value in fields.items():
                self.page.fill(selector, value)
            self.page.click("input[name=_save]")
            return self.page.inner_text(".messagelist")

        return self.chromium.run(step)

    def problems(self, axe: str) -> list[str]:
        """What is wrong with the page shown: horizontal overflow, serious or critical axe-core violations."""

        def step() -> list[str]:
            found = []
            overflow = overflow_problem(self.page.evaluate(OVERFLOW_SCRIPT))
            if overflow:
                found.append(f"overflow: {overflow}")
            self.page.add_script_tag(content=axe)
            found += blocking_violations(self.page.evaluate(AXE_RUN))
            return found

        return self.chromium.run(step)

    def close(self) -> None:
        self.chromium.run(self.page.close)


class AdminInTheBrowserTests(OAuthLiveTestCase):
    """One kubemcp server, one OIDC provider and one Chromium for the class; alice signs in through OAuth
    and uses /mcp, root (a superuser with a local password) uses the admin."""

    _stack: ClassVar[contextlib.ExitStack]
    echo: ClassVar[EchoServer]
    chromium: ClassVar[Chromium]
    oauth_env = {"PORT_FORWARD_CHECK_SECONDS": "0.2"}  # byte counters reach the database at once

    @classmethod
    def _start(cls) -> None:
        super()._start()
        cls.echo = serve_echo_pod(cls, cls.fake)
        cls.chromium = Chromium()
        cls._stack.callback(cls.chromium.close)

    def setUp(self) -> None:
        get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
        PolicySettings.objects.create(non_destructive=True, allowed_operations=["port-forward"])
        self.tokens = self.login_and_get_tokens(login="alice")
        self.bearer = self.tokens["access_token"]
        self.admin = self.chromium.new_page(self.base_url)
        self.addCleanup(self.admin.close)
        self.admin.log_in("root", PASSWORD)

    def call(self, tool: str, **arguments: Any) -> tuple[bool, str]:
        """One tools/call as alice, with her bearer token: (is it an error, its text)."""
        return self.call_as(self.bearer, tool, **arguments)

    def ok(self, tool: str, **arguments: Any) -> str:
        is_error, text = self.call(tool, **arguments)
        self.assertFalse(is_error, text)
        return text

    def forward(self) -> tuple[str, int]:
        """A live port-forward of alice's to web-1: its session id and local port."""
        started = answer(self.ok("port_forward", namespace="default", resourceName="web-1", ports=["8080"]))
        [port] = local_ports_of(started)
        self.assertEqual(round_trip(port, b"through the forward"), b"through the forward")
        return started["sessionId"], port

    def test_the_dashboard_charts_the_calls_and_every_list_page_shows_them(self) -> None:
        self.ok("list", resourceType="pods", namespace="default")
        self.forward()
        self.addCleanup(self.ok, "stop_all_port_forward_sessions")
        wait_for(lambda: PortForwardSession.objects.filter(bytes_out__gt=0, bytes_in__gt=0).exists())

        self.admin.click("#dashboard-link a", wait_for="svg.hourly-chart")
        self.assertEqual(self.admin.text("#total-calls"), "2")
        self.assertEqual(self.admin.text("#active-sessions"), "1")
        self.assertEqual(self.admin.text("#active-tokens"), "1")  # alice's; not her client's registration token
        bars = self.admin.texts("svg.hourly-chart > a > title")
        self.assertEqual(len(bars), 24)
        self.assertEqual(sum(int(calls) for calls in re.findall(r"(\d+) calls", " ".join(bars))), 2)
        self.assertIn("port_forward", self.admin.text("#tools"))

        for path in LIST_PAGES.values():
            self.assertEqual(self.admin.open(path), 200, path)
            page = self.admin.html()
            for secret in (self.bearer, self.tokens["refresh_token"], bearer.checksum(self.bearer)):
                self.assertNotIn(secret, page, path)
            self.assertNotIn(UpstreamToken.objects.get().id_token, page, path)
            if path == AUDIT:
                self.assertIn("alice@example.com", self.admin.texts("td.field-user"))
            if path == SESSIONS:
                self.assertEqual(self.admin.texts("td.field-status"), ["active"])
                self.assertEqual(self.admin.texts("td.field-owner_name"), ["alice@example.com"])
                self.assertEqual(
                    self.admin.texts("td.field-bytes_in") + self.admin.texts("td.field-bytes_out"), ["19", "19"]
                )
            if path == CLIENTS:
                self.assertEqual(self.admin.texts("td.field-registered_from"), ["127.0.0.1"])
                self.assertEqual(self.admin.texts("td.field-live_tokens"), ["1"])  # alice's; not the RFC 7592 one
                self.assertNotEqual(self.admin.texts("td.field-last_token"), ["-"])
                self.assertNotEqual(self.admin.texts("td.field-last_used"), ["-"])
            if path == ACCESS_TOKENS:
                rows = self.admin.texts("#result_list tbody tr")
                [alices] = [row for row in rows if "alice@example.com" in row]
                for shown in ("test", "mcp", self.server.mcp_url):
                    self.assertIn(shown, alices)
            if path == UPSTREAM:
                self.assertEqual(self.admin.texts("td.field-provider"), ["dex"])

    def test_a_token_revoked_in_the_admin_is_refused_at_mcp(self) -> None:
        self.assertEqual(self.mcp_post(self.bearer).status_code, 200)

        message = self.admin.act(ACCESS_TOKENS, "revoke_tokens", [AccessToken.objects.get(scope="mcp").pk])

        self.assertIn("1 access token(s) revoked", message)
        refused = self.mcp_post(self.bearer)
        self.assertEqual(refused.status_code, 401, refused.text)
        self.assertIn("invalid_token", refused.headers["WWW-Authenticate"])
        renewal = self.token(
            self.tokens["client"], grant_type="refresh_token", refresh_token=self.tokens["refresh_token"]
        )
        self.assertEqual(renewal.json()["error"], "invalid_grant")

    def test_a_client_disabled_in_the_admin_stays_registered_but_its_tokens_stop_working(self) -> None:
        self.assertEqual(self.mcp_post(self.bearer).status_code, 200)
        client = Application.objects.get()

        message = self.admin.act(CLIENTS, "disable_clients", [client.pk])

        self.assertIn("1 client(s) disabled", message)
        self.assertEqual(self.mcp_post(self.bearer).status_code, 401)
        self.assertEqual(self.admin.texts("td.field-client_id"), [client.client_id])
        self.assertEqual(self.admin.texts("td.field-live_tokens"), ["0"])
        self.assertFalse(RefreshToken.objects.filter(revoked__isnull=True).exists())
        again = self.login_and_get_tokens(login="alice", client=self.tokens["client"])
        self.assertEqual(self.mcp_post(again["access_token"]).status_code, 200)

    def test_a_port_forward_stopped_in_the_admin_closes_its_port(self) -> None:
        session_id, port = self.forward()

        message = self.admin.act(SESSIONS, "stop_sessions", [session_id])

        self.assertIn("1 session(s) stopped, 0 had already ended.", message)
        self.assertEqual(self.admin.texts("td.field-status"), ["stopped"])
        self.assertTrue(refuses_connections(port))
        session = PortForwardSession.objects.get(pk=session_id)
        self.assertEqual((session.status, session.stopped_by), (PortForwardSession.Status.STOPPED, "root"))
        self.assertIn("No active port forwarding sessions.", self.ok("list_port_forward_sessions"))

    def test_a_namespace_restricted_in_the_admin_refuses_the_next_call(self) -> None:
        self.ok("list", resourceType="pods", namespace="default")

        message = self.admin.save_form(
            f"{POLICY}1/change/",
            {"#id_restricted_namespaces": "default, kube-system"},
            checks=("input[name=restricted_namespaces_mode][value=override]",),
        )

        self.assertIn("The policy was saved", message)
        self.assertEqual(PolicySettings.objects.get().restricted_namespaces, ["default", "kube-system"])
        self.assertTrue(AuditRecord.objects.filter(tool="admin:policy", user="root").exists())
        is_error, refusal = self.call("list", resourceType="pods", namespace="default")
        self.assertTrue(is_error, refusal)
        self.assertIn("default", refusal)
        self.assertIn("restricted", refusal)

    def test_every_admin_page_fits_the_window_and_passes_axe_at_laptop_and_desktop_sizes(self) -> None:
        self.ok("list", resourceType="pods", namespace="default")
        self.call("delete", resourceType="pods", name="web-1", namespace="default")  # denied: non-destructive
        record = AuditRecord.objects.filter(tool="list").latest("created")
        pages = {
            "index": "/admin/",
            "dashboard": "/admin/dashboard/",
            **LIST_PAGES,
            "policy": f"{POLICY}1/change/",
            "audit-record": f"{AUDIT}{record.pk}/change/",
        }
        axe = axe_script()
        problems = []
        for width, height in ((1366, 768), (1920, 1080)):
            page = self.chromium.new_page(self.base_url, width, height)
            self.addCleanup(page.close)
            page.log_in("root", PASSWORD)
            for name, path in pages.items():
                self.assertEqual(page.open(path), 200, path)
                problems += [f"{path} at {width}x{height}: {problem}" for problem in page.problems(axe)]
                if width == 1366:
                    page.screenshot(name)
        self.assertEqual(problems, [], "\n".join(problems))
