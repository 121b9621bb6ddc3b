"""A bad OAuth configuration is refused with a numbered system-check error, and the server will not start."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.test import SimpleTestCase, override_settings

from oauthgw.checks import gateway_errors

BASE_DIR = Path(__file__).resolve().parent.parent.parent
GOOD_KEY = base64.b64encode(os.urandom(32)).decode()
GOOD = {
    "OAUTH_ENABLED": True,
    "OAUTH_BASE_URL": "https://kubemcp.example.com",
    "OAUTH_PROVIDER": "dex",
    "DEX_ISSUER_URL": "https://dex.example.com",
    "DEX_CLIENT_ID": "kubemcp",
    "DEX_CLIENT_SECRET": "secret",
    "DEX_CA_FILE": "",
    "ALLOW_PRIVATE_OAUTH_URLS": False,
    "OAUTH_ENCRYPTION_KEY": GOOD_KEY,
    "OAUTH_ENCRYPTION_KEYS_OLD": [],
    "REGISTRATION_TOKEN": "",
    "ALLOW_PUBLIC_REGISTRATION": False,
    "ENABLE_CIMD": True,
    "RATE_LIMIT_PER_IP": "20/2s",
    "RATE_LIMIT_PER_USER": "200/2s",
    "TRUSTED_PROXIES": [],
    "TRUSTED_REDIRECT_SCHEMES": [],
    "DOWNSTREAM_OAUTH": False,
}


def ids(**overrides: Any) -> list[str]:
    with override_settings(**{**GOOD, **overrides}):
        return [problem.id for problem in gateway_errors()]


class SystemChecksTest(SimpleTestCase):
    def test_a_complete_configuration_passes(self) -> None:
        self.assertEqual(ids(), [])

    def test_nothing_is_checked_while_oauth_is_off(self) -> None:
        self.assertEqual(ids(OAUTH_ENABLED=False, OAUTH_ENCRYPTION_KEY=""), [])

    def test_downstream_oauth_needs_oauth(self) -> None:
        self.assertEqual(ids(OAUTH_ENABLED=False, DOWNSTREAM_OAUTH=True), ["oauthgw.E009"])

    def test_it_requires_a_base_url_and_https_off_loopback(self) -> None:
        self.assertEqual(ids(OAUTH_BASE_URL=""), ["oauthgw.E001"])
        self.assertEqual(ids(OAUTH_BASE_URL="http://kubemcp.example.com"), ["oauthgw.E002"])
        self.assertEqual(ids(OAUTH_BASE_URL="https://kubemcp.example.com/sub"), ["oauthgw.E002"])
        self.assertEqual(ids(OAUTH_BASE_URL="http://127.0.0.1:8000"), [])

    def test_it_requires_an_encryption_key_with_a_hint(self) -> None:
        with override_settings(**{**GOOD, "OAUTH_ENCRYPTION_KEY": ""}):
            (problem,) = gateway_errors()
        self.assertEqual(problem.id, "oauthgw.E003")
        self.assertIn("os.urandom(32)", problem.hint)

    def test_it_refuses_weak_keys_current_or_old(self) -> None:
        self.assertEqual(ids(OAUTH_ENCRYPTION_KEY=base64.b64encode(bytes(32)).decode()), ["oauthgw.E004"])
        self.assertEqual(ids(OAUTH_ENCRYPTION_KEYS_OLD=["short"]), ["oauthgw.E004"])

    def test_it_requires_the_provider_settings(self) -> None:
        self.assertEqual(ids(DEX_CLIENT_SECRET=""), ["oauthgw.E005"])
        self.assertEqual(ids(OAUTH_PROVIDER="google", GOOGLE_CLIENT_ID="", GOOGLE_CLIENT_SECRET=""), ["oauthgw.E005"])
        self.assertEqual(ids(OAUTH_PROVIDER="google", GOOGLE_CLIENT_ID="id", GOOGLE_CLIENT_SECRET="s"), [])

    def test_a_private_or_plain_http_issuer_needs_an_explicit_opt_in(self) -> None:
        self.assertEqual(ids(DEX_ISSUER_URL="http://dex.example.com"), ["oauthgw.E006"])
        self.assertEqual(ids(DEX_ISSUER_URL="https://10.0.0.5"), ["oauthgw.E006"])
        self.assertEqual(ids(DEX_ISSUER_URL="http://127.0.0.1:5556", ALLOW_PRIVATE_OAUTH_URLS=True), [])

    def test_an_unreadable_ca_file_is_reported(self) -> None:
        self.assertEqual(ids(DEX_CA_FILE="/nonexistent/ca.pem"), ["oauthgw.E007"])

    def test_some_way_to_register_clients_is_required(self) -> None:
        self.assertEqual(ids(ENABLE_CIMD=False), ["oauthgw.E008"])
        self.assertEqual(ids(ENABLE_CIMD=False, REGISTRATION_TOKEN="t"), [])

    def test_rates_proxies_and_schemes_are_validated(self) -> None:
        self.assertEqual(ids(RATE_LIMIT_PER_IP="ten per second"), ["oauthgw.E010"])
        self.assertEqual(ids(RATE_LIMIT_PER_USER="off"), [])
        self.assertEqual(ids(TRUSTED_PROXIES=["10.0.0.0/8", "not-an-ip"]), ["oauthgw.E011"])
        self.assertEqual(ids(TRUSTED_REDIRECT_SCHEMES=["javascript"]), ["oauthgw.E012"])
        self.assertEqual(ids(TRUSTED_REDIRECT_SCHEMES=["cursor", "vscode"]), [])

    def test_risky_switches_are_warned_about(self) -> None:
        self.assertEqual(ids(ALLOW_PUBLIC_REGISTRATION=True), ["oauthgw.W001"])
        self.assertEqual(ids(ALLOW_INSECURE_AUTH_WITHOUT_STATE=True), ["oauthgw.W002"])


class StartUpTest(SimpleTestCase):
    def test_the_server_refuses_to_start_with_oauth_on_and_no_encryption_key(self) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("OAUTH_", "DEX_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="mcpsite.settings",
            OAUTH_ENABLED="true",
            OAUTH_BASE_URL="https://kubemcp.example.com",
            DEX_ISSUER_URL="https://dex.example.com",
            DEX_CLIENT_ID="kubemcp",
            DEX_CLIENT_SECRET="secret",
            DATA_DIR=str(BASE_DIR / "var"),
        )
        result = subprocess.run(
            [sys.executable, "-c", "import mcpsite.asgi"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("oauthgw.E003", result.stderr)
        self.assertIn("OAUTH_ENCRYPTION_KEY", result.stderr)
