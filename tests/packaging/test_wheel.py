"""The packaging check: build the sdist and wheel, check them, install the wheel into a fresh virtual environment
outside the repository and use it as a user would: `kubemcp` over stdio and HTTP, the admin, `kubemcp demo`,
`uvx`, and the container image's layout (no Docker engine runs here, so the image is reproduced).

One class: the build and the install happen once (about a minute); each test then starts the command it needs.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import time
import unittest
import zipfile
from pathlib import Path
from typing import ClassVar

from tests.live import free_port
from tests.packaging.installed import REPOSITORY, Browser, Installation, run, temporary_root, tool

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "packaging", "version": "1"},
    },
}
SERVER_ENV = {"SECRET_KEY": "packaging-test-key-" + "x" * 40}


def dockerfile_final_stage() -> dict[str, object]:
    """The final stage of the Dockerfile: its ENV, WORKDIR, the files it copies from the context, RUN and CMD."""
    text = (REPOSITORY / "Dockerfile").read_text().replace("\\\n", " ")
    stage = text.rsplit("\nFROM ", 1)[1]
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV (.+)$", stage, re.MULTILINE):
        env.update(word.split("=", 1) for word in shlex.split(line))
    return {
        "env": env,
        "workdir": re.findall(r"^WORKDIR (\S+)$", stage, re.MULTILINE)[-1],
        "copies": re.findall(r"^COPY (?!--from)(\S+) \S+$", stage, re.MULTILINE),
        "runs": re.findall(r"^RUN (.+)$", stage, re.MULTILINE),
        "cmd": json.loads(re.findall(r"^CMD (\[.+\])$", stage, re.MULTILINE)[-1]),
    }


class WheelTests(unittest.TestCase):
    installed: ClassVar[Installation]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        root = temporary_root()
        cls.addClassCleanup(shutil.rmtree, root, ignore_errors=True)
        cls.installed = Installation(root)
        cls.installed.build()
        cls.installed.install()

    def data_dir(self) -> Path:
        directory = self.installed.root / f"data-{self.id().rsplit('.', 1)[-1]}"
        directory.mkdir()
        return directory

    def test_twine_accepts_the_sdist_and_the_wheel(self) -> None:
        done = run(
            [tool("twine"), "check", "--strict", str(self.installed.sdist), str(self.installed.wheel)], timeout=60
        )
        self.assertEqual(done.stdout.count("PASSED"), 2, done.stdout)

    def test_the_wheel_carries_the_templates_the_license_and_the_command_but_no_tests(self) -> None:
        with zipfile.ZipFile(self.installed.wheel) as wheel:
            names = set(wheel.namelist())
            [entry_points] = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
            scripts = wheel.read(entry_points).decode()
            [metadata] = [name for name in names if name.endswith(".dist-info/METADATA")]
            fields = wheel.read(metadata).decode()
        for template in (
            "mcpsite/templates/admin/dashboard.html",
            "mcpsite/templates/home.html",
            "oauthgw/templates/oauthgw/authorize.html",
        ):
            self.assertIn(template, names)
        self.assertIn("kubemcp = mcpsite.cli:main", scripts)
        self.assertTrue(any(name.endswith(".dist-info/licenses/LICENSE") for name in names))
        self.assertFalse([name for name in names if name.startswith(("tests/", "bench/", "deploy/"))])
        for field in (
            "License-Expression: Apache-2.0",
            "Project-URL: Source",
            "Classifier: Framework :: Django",
            "Description-Content-Type: text/markdown",
        ):
            self.assertIn(field, fields)

    def test_kubemcp_with_no_arguments_lists_the_tools_over_stdio(self) -> None:
        data = self.data_dir()
        started = time.monotonic()
        server = self.installed.start(["kubemcp"], DATA_DIR=str(data), **SERVER_ENV)
        self.addCleanup(server.stop)
        self.assertEqual(server.request(INITIALIZE)["id"], 1)
        server.request({"jsonrpc": "2.0", "method": "notifications/initialized"})
        answer = server.request({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        seconds = time.monotonic() - started
        names = {tool["name"] for tool in answer["result"]["tools"]}  # type: ignore[index]
        self.assertLessEqual({"get", "list", "describe", "logs", "events"}, names)
        errors = server.stop()
        self.assertIn(f"kubemcp: data in {data}", errors)
        self.assertIn("no admin user yet: create one with `kubemcp manage createsuperuser`", errors)
        print(f"\n  stdio tools/list answered {seconds:.1f} s after the process started")

    def test_kubemcp_serves_mcp_over_http_and_the_dashboard_once_a_superuser_exists(self) -> None:
        env = {"DATA_DIR": str(self.data_dir()), **SERVER_ENV}
        self.installed.kubemcp("manage", "migrate", "--noinput", "-v0", **env)
        self.installed.kubemcp(
            "manage",
            "createsuperuser",
            "--noinput",
            "--username",
            "admin",
            "--email",
            "admin@example.com",
            DJANGO_SUPERUSER_PASSWORD="a-long-admin-password",
            **env,
        )
        port = free_port()
        server = self.installed.start(["kubemcp", "--port", str(port)], **env)
        self.addCleanup(server.stop)
        server.line_matching(rf"kubemcp serving MCP at http://127\.0\.0\.1:{port}/mcp")
        browser = Browser(f"http://127.0.0.1:{port}")
        status, _, page = browser.open("/")
        self.assertEqual(status, 200)
        self.assertIn(f"http://127.0.0.1:{port}/mcp", page)
        status, _, answer = open_mcp(port, INITIALIZE)
        self.assertEqual(status, 200, answer)
        self.assertIn('"serverInfo"', answer)
        browser.log_in("admin", "a-long-admin-password")
        status, _, page = browser.open("/admin/dashboard/")
        self.assertEqual(status, 200, page[:2000])
        self.assertIn("Tool calls", page)

    def test_kubemcp_demo_prints_the_mcp_url_and_admin_credentials_that_work(self) -> None:
        data = self.data_dir()
        port = free_port()
        demo = self.installed.start(["kubemcp", "demo", "--port", str(port), "--pods", "4"], DATA_DIR=str(data))
        self.addCleanup(demo.stop)
        demo.line_matching(rf"kubemcp serving MCP at http://127\.0\.0\.1:{port}/mcp")
        demo.line_matching(r"demo cluster: 4 pods")
        credentials = demo.line_matching(
            rf"admin console: http://127\.0\.0\.1:{port}/admin/ \(user (\S+), password (\S+);"
        )
        config = demo.line_matching(r"^client configuration: (.+)$")
        self.assertEqual(json.loads(config.group(1))["mcpServers"]["kubemcp"]["url"], f"http://127.0.0.1:{port}/mcp")
        stdio = demo.line_matching(r"^stdio client configuration \(starts a demo of its own\): (.+)$")
        self.assertEqual(
            json.loads(stdio.group(1))["mcpServers"]["kubemcp"], {"command": "kubemcp", "args": ["demo", "--stdio"]}
        )
        status, _, answer = open_mcp(port, INITIALIZE)
        self.assertEqual(status, 200, answer)
        browser = Browser(f"http://127.0.0.1:{port}")
        browser.log_in(credentials.group(1), credentials.group(2))
        self.assertEqual(browser.open("/admin/dashboard/")[0], 200)
        demo.stop()
        # The demo's database is its own: real use starts on an empty one.
        self.assertTrue((data / "demo.sqlite3").exists())
        self.assertFalse((data / "kubemcp.sqlite3").exists())

    def test_outside_a_checkout_the_data_goes_to_the_user_data_directory(self) -> None:
        self.installed.kubemcp("manage", "migrate", "--noinput", "-v0", **SERVER_ENV)
        self.assertTrue((self.installed.home / ".local" / "share" / "kubemcp" / "kubemcp.sqlite3").exists())
        self.assertFalse(list(self.installed.venv.glob("lib/python*/site-packages/var")))

    def test_uvx_runs_the_wheel(self) -> None:
        env = self.installed.environment()
        done = run(
            [tool("uvx"), "--from", str(self.installed.wheel), "kubemcp", "--help"],
            timeout=300,
            env=env,
            cwd=self.installed.home,
        )
        self.assertIn("usage: kubemcp", done.stdout)
        self.assertIn("demo", done.stdout)

    def test_the_server_does_not_import_the_demo_cluster(self) -> None:
        python = str(self.installed.venv / "bin" / "python")
        code = "import sys, mcpsite.asgi; print('fakekube' in sys.modules, 'aiohttp' in sys.modules)"
        env = self.installed.environment(DATA_DIR=str(self.data_dir()), **SERVER_ENV)
        done = run([python, "-c", code], timeout=120, env=env, cwd=self.installed.home)
        self.assertEqual(done.stdout.split(), ["False", "False"])

    def test_the_container_image_layout_serves_every_admin_page(self) -> None:
        stage = dockerfile_final_stage()
        image = self.installed.root / "image"
        app = image / str(stage["workdir"]).lstrip("/")
        app.mkdir(parents=True)
        for source in stage["copies"]:  # type: ignore[attr-defined]
            shutil.copy(REPOSITORY / source, app)
        env = {
            key: str(image / value.lstrip("/")) if value.startswith("/") else value
            for key, value in stage["env"].items()
        }  # type: ignore[attr-defined]
        Path(env["DATA_DIR"]).mkdir(parents=True)
        env.update(SERVER_ENV)
        for command in stage["runs"]:  # type: ignore[attr-defined]
            if "collectstatic" in command:
                subprocess.run(
                    ["sh", "-c", command],
                    cwd=app,
                    env=self.installed.environment(**env),
                    check=True,
                    timeout=180,
                    capture_output=True,
                )
        self.assertTrue((Path(env["STATIC_ROOT"]) / "admin" / "css" / "base.css").exists())
        # docker-compose.yml and deploy/kubernetes migrate with the image's manage.py before the server starts.
        python = str(self.installed.venv / "bin" / "python")
        run(
            [python, "manage.py", "migrate", "--noinput", "-v0"],
            timeout=180,
            cwd=app,
            env=self.installed.environment(**env),
        )
        self.installed.kubemcp(
            "manage",
            "createsuperuser",
            "--noinput",
            "--username",
            "admin",
            "--email",
            "admin@example.com",
            cwd=app,
            DJANGO_SUPERUSER_PASSWORD="a-long-admin-password",
            **env,
        )
        port = free_port()
        command = [str(word).replace("8000", str(port)).replace("0.0.0.0", "127.0.0.1") for word in stage["cmd"]]  # type: ignore[attr-defined]
        server = self.installed.start(command, cwd=app, **env)
        self.addCleanup(server.stop)
        browser = Browser(f"http://127.0.0.1:{port}")
        wait_for(browser, "/healthz")
        browser.log_in("admin", "a-long-admin-password")
        pages = browser.admin_pages()
        self.assertGreater(len(pages), 15, pages)
        self.assertEqual({path: status for path, status in pages.items() if status != 200}, {})
        self.assertIn("/admin/dashboard/", pages)
        self.assertEqual(browser.open("/static/admin/css/base.css")[0], 200)
        log = server.stop()
        self.assertNotIn("Traceback", log)
        self.assertNotIn("HTTP/2", log)


def open_mcp(port: int, message: dict[str, object]) -> tuple[int, str, str]:
    """POST one JSON-RPC message to /mcp."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/mcp",
        data=json.dumps(message).encode(),
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": "2025-11-25",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, "", response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, "", error.read().decode()


def wait_for(browser: Browser, path: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if browser.open(path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{path} did not answer within {timeout} s")
