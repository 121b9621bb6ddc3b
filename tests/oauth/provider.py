"""A real OpenID Connect provider process for the tests (panva/oidc-provider on Node).

The npm packages are installed once with `npm ci` from tests/oauth/package.json and its lock into a
cache directory keyed by the lock's hash (var/test-cache/ unless KUBEMCP_TEST_CACHE says otherwise);
later runs reuse it. Tests are skipped, saying why, where Node or npm is missing.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from tests.live import listening_socket, wait_until_answering
from tests.npm_cache import npm_installed

HERE = Path(__file__).resolve().parent
FILES = ("package.json", "package-lock.json", "provider.mjs")


def installed_provider() -> Path:
    """The directory holding provider.mjs and its node_modules, installing them on first use."""
    return npm_installed(HERE, FILES, name="oidc-provider", installed="node_modules/oidc-provider")


class OIDCProvider:
    """One oidc-provider process on a free loopback port, with one registered client (kubemcp)."""

    def __init__(self, *, client_id: str, client_secret: str, redirect_uri: str, id_token_ttl: int = 3600) -> None:
        self.listener = listening_socket()
        self.port = int(self.listener.getsockname()[1])
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.id_token_ttl = id_token_ttl
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="oidc-provider-", suffix=".log")[1])

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> OIDCProvider:
        directory = installed_provider()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", "/tmp"),
            "PROVIDER_PORT": str(self.port),
            "PROVIDER_FD": str(self.listener.fileno()),
            "CLIENT_ID": self.client_id,
            "CLIENT_SECRET": self.client_secret,
            "REDIRECT_URI": self.redirect_uri,
            "ID_TOKEN_TTL": str(self.id_token_ttl),
            "NODE_ENV": "test",
        }
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                ["node", "provider.mjs"],
                cwd=directory,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(self.listener.fileno(),),
            )
        self.listener.close()  # the provider holds the port now
        url = f"{self.issuer}/.well-known/openid-configuration"
        if wait_until_answering(self.process, url, what="the OIDC provider", timeout=timeout, log=self.log):
            return self
        self.stop()
        raise RuntimeError(f"the OIDC provider did not start within {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        self.listener.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def grants(self, outcome: str, grant_type: str) -> int:
        """How many token requests of `grant_type` the provider answered with `outcome` ("success" or "error")."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return sum(1 for line in lines if line.startswith(f"grant.{outcome} {grant_type}"))
