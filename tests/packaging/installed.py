"""An installed kubemcp, as a user gets it: the wheel built from this checkout, installed into a fresh virtual
environment outside the repository, and driven through its `kubemcp` command in child processes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
# The packages the wheel is made of, as pyproject.toml names them (`mcpsite*` and so on).
PACKAGES = [
    pattern.rstrip("*")
    for pattern in tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"][
        "include"
    ]
]
# Whatever the environment of the test run configures, a user's fresh shell does not have it.
PASSED_ON = ("PATH", "LANG", "LC_ALL", "TMPDIR", "UV_CACHE_DIR", "PIP_INDEX_URL", "UV_INDEX_URL", "SSL_CERT_FILE")


def tool(name: str) -> str:
    """A command of the test environment (uv, twine), whether or not its bin directory is on PATH."""
    found = BIN / name
    return str(found) if found.exists() else shutil.which(name) or name


def run(command: list[str], *, timeout: float, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run to completion; a failure shows the command's own output."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)  # type: ignore[call-overload]
    if done.returncode:
        raise AssertionError(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


@dataclass
class Installation:
    """Distributions built from the checkout and the wheel installed into a virtual environment of its own."""

    root: Path
    dist: Path = field(init=False)
    venv: Path = field(init=False)
    home: Path = field(init=False)

    def __post_init__(self) -> None:
        self.dist, self.venv, self.home = self.root / "dist", self.root / "venv", self.root / "home"
        self.home.mkdir()

    @property
    def wheel(self) -> Path:
        [wheel] = self.dist.glob("kubemcp-*.whl")
        return wheel

    @property
    def sdist(self) -> Path:
        [sdist] = self.dist.glob("kubemcp-*.tar.gz")
        return sdist

    def build(self) -> None:
        # Build from a copy of what a distribution is made of, so the build leaves nothing (build/, *.egg-info) in
        # the repository and reads none of its caches (node_modules, bench/.cache, var/).
        source = self.root / "source"
        source.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy(REPOSITORY / name, source)
        for package in PACKAGES:
            shutil.copytree(REPOSITORY / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
        run([sys.executable, "-m", "build", "--outdir", str(self.dist), str(source)], timeout=300, cwd=self.root)

    def install(self) -> None:
        # The interpreter running the tests, so uv never goes looking for (or downloading) another.
        run([tool("uv"), "venv", "--quiet", "--python", sys.executable, str(self.venv)], timeout=120, cwd=self.root)
        run(
            [tool("uv"), "pip", "install", "--quiet", "--python", str(self.venv / "bin" / "python"), str(self.wheel)],
            timeout=300,
            cwd=self.root,
        )

    def environment(self, **overrides: str) -> dict[str, str]:
        """A user's shell: the virtual environment first on PATH, a home of its own, nothing of the test run's."""
        env = {key: os.environ[key] for key in PASSED_ON if key in os.environ}
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
        env["HOME"] = str(self.home)
        env.setdefault("UV_CACHE_DIR", str(Path.home() / ".cache" / "uv"))
        env.update(UV_PYTHON=sys.executable, UV_PYTHON_DOWNLOADS="never")
        env.update(overrides)
        return env

    def kubemcp(self, *args: str, timeout: float = 120, cwd: Path | None = None, **env: str) -> str:
        """Run `kubemcp ARGS` to completion and return its standard output."""
        command = [str(self.venv / "bin" / "kubemcp"), *args]
        return run(command, timeout=timeout, cwd=cwd or self.home, env=self.environment(**env)).stdout

    def start(self, command: list[str], *, cwd: Path | None = None, **env: str) -> Started:
        """Start a long-running command of the installation (the first word is looked up in its bin/)."""
        return Started(
            subprocess.Popen(
                [str(self.venv / "bin" / command[0]), *command[1:]],
                cwd=cwd or self.home,
                env=self.environment(**env),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )


@dataclass
class Started:
    process: subprocess.Popen[str]

    def line_matching(self, pattern: str, timeout: float = 90) -> re.Match[str]:
        """Read standard output until a line matches `pattern` (the process must not end first)."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise AssertionError(f"ended before printing {pattern!r}:\n{''.join(seen)}\n{self.stop()}")
            seen.append(line)
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s:\n{''.join(seen)}")

    def request(self, message: dict[str, object]) -> dict[str, object]:
        """Send one JSON-RPC message over stdio and read the answer to it."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        if "id" not in message:
            return {}
        answer: dict[str, object] = json.loads(self.process.stdout.readline())
        return answer

    def stop(self) -> str:
        """Stop the process (SIGTERM, then SIGKILL) and return what it wrote to standard error."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate(timeout=15)
        return err or ""


class Browser:
    """Just enough of a browser for the admin: cookies (Secure ones too, over loopback HTTP) and CSRF."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(NoRedirect)

    def open(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
        """Status, Location and body of one request."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body)
        request.add_header("Cookie", "; ".join(f"{key}={value}" for key, value in self.cookies.items()))
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie(header)
            self.cookies.update({key: morsel.value for key, morsel in cookie.items()})
        return response.status, response.headers.get("Location", ""), response.read().decode()

    def log_in(self, username: str, password: str) -> None:
        _, _, page = self.open("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page
        status, location, page = self.open(
            "/admin/login/?next=/admin/",
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password, "next": "/admin/"},
        )
        assert status == 302 and location == "/admin/", f"login refused ({status}):\n{page[:2000]}"

    def admin_pages(self, limit: int = 80) -> dict[str, int]:
        """Every admin page reachable from the index in two clicks (no logout), with its status."""
        statuses: dict[str, int] = {}
        queue = ["/admin/", "/admin/dashboard/"]
        while queue and len(statuses) < limit:
            path = queue.pop(0)
            if path in statuses:
                continue
            status, location, page = self.open(path)
            if status in (301, 302) and location.startswith("/admin/") and "/login/" not in location:
                # A page that stands for another (the policy list is the one policy page): judge that one.
                queue.insert(0, location)
                continue
            statuses[path] = status
            if path.count("/") <= 4:
                queue += [link for link in links(page) if link not in statuses]
        return statuses


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") or ""
        # Sorting and filtering links (?o=, ?q=) show the same pages again.
        if tag == "a" and href.startswith("/admin/") and "logout" not in href and "?" not in href:
            self.found.append(href.split("#")[0])


def links(page: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    return parser.found


def temporary_root() -> Path:
    """A directory outside the repository for the build, the virtual environment and the user's home."""
    return Path(tempfile.mkdtemp(prefix="kubemcp-packaging-"))
