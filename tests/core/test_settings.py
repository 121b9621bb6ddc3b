"""Settings are read in a fresh process each time: that is how an operator meets them."""

from __future__ import annotations

import os
import subprocess
import sys
import unittest
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CLEAN = {
    key: value
    for key, value in os.environ.items()
    if key
    not in {
        "DEBUG",
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "LOG_LEVEL",
        "LOG_FORMAT",
        "ALLOWED_OPERATIONS",
        "RESTRICTED_NAMESPACES",
        "QPS_LIMIT",
        "NON_DESTRUCTIVE",
        "MCP_REQUEST_STATE_KEY",
        "DJANGO_SETTINGS_MODULE",
        "DOWNSTREAM_AUTH",
        "DOWNSTREAM_OAUTH",
        "CONFIRM_DESTRUCTIVE",
    }
}

PRINT_SETTINGS = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='mcpsite.settings'; django.setup(); "
    "from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.CHANNEL_LAYERS['default']['BACKEND'], "
    "s.NON_DESTRUCTIVE, s.DRY_RUN, sorted(s.ALLOWED_OPERATIONS), sorted(s.RESTRICTED_NAMESPACES), s.LOG_FORMAT)"
)


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env={**CLEAN, **env}, capture_output=True, text=True, timeout=60
    )


class SettingsTests(unittest.TestCase):
    def test_it_runs_on_the_embedded_default_with_no_environment(self) -> None:
        result = run(["-c", PRINT_SETTINGS])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(
            result.stdout.split(),
            [
                "django.db.backends.sqlite3",
                "django.core.cache.backends.locmem.LocMemCache",
                "channels.layers.InMemoryChannelLayer",
                "True",
                "False",
                "[]",
                "[]",
                "text",
            ],
        )

    def test_it_switches_to_postgresql_and_redis_from_urls(self) -> None:
        result = run(
            ["-c", PRINT_SETTINGS],
            DATABASE_URL="postgres://kubemcp:pw@db.internal:5432/kubemcp",
            REDIS_URL="redis://cache.internal:6379/0",
            NON_DESTRUCTIVE="false",
            DRY_RUN="true",
            ALLOWED_OPERATIONS="exec, scale",
            RESTRICTED_NAMESPACES="kube-system,kube-public",
            LOG_FORMAT="json",
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(
            result.stdout.split(),
            [
                "django.db.backends.postgresql",
                "django.core.cache.backends.redis.RedisCache",
                "channels_redis.core.RedisChannelLayer",
                "False",
                "True",
                "['exec',",
                "'scale']",
                "['kube-public',",
                "'kube-system']",
                "json",
            ],
        )

    def test_a_bad_value_stops_start_up_with_one_line_naming_the_variable(self) -> None:
        cases = {
            "DEBUG": ("maybe", "DEBUG='maybe'"),
            "LOG_LEVEL": ("LOUD", "LOG_LEVEL='LOUD'"),
            "LOG_FORMAT": ("xml", "LOG_FORMAT='xml'"),
            "DATABASE_URL": ("mysql://x/y", "DATABASE_URL='mysql://x/y'"),
            "REDIS_URL": ("http://x", "REDIS_URL='http://x'"),
            "QPS_LIMIT": ("fast", "QPS_LIMIT='fast'"),
            "ALLOWED_OPERATIONS": ("get,destroy", "unknown operation(s) destroy"),
            "RESTRICTED_NAMESPACES": ("Kube_System", "Kube_System is not a valid namespace name"),
            "MCP_REQUEST_STATE_KEY": ("short-key", "MCP_REQUEST_STATE_KEY: it must be at least 32 bytes"),
            "MCP_MAX_SESSIONS": ("0", "MCP_MAX_SESSIONS=0, use at least 1"),
            "MCP_SESSION_IDLE_SECONDS": ("forever", "MCP_SESSION_IDLE_SECONDS='forever'"),
            "DOWNSTREAM_AUTH": ("token", "DOWNSTREAM_AUTH='token'"),
            "CONFIRM_DESTRUCTIVE": ("maybe", "CONFIRM_DESTRUCTIVE='maybe'"),
        }
        for name, (value, expected) in cases.items():
            with self.subTest(name):
                result = run(["manage.py", "check"], **{name: value})
                self.assertEqual(result.returncode, 2)
                self.assertIn(expected, result.stderr)
                self.assertNotIn("Traceback", result.stderr)
                self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)

    def test_downstream_oauth_is_the_older_spelling_of_passthrough_and_cannot_contradict_downstream_auth(self) -> None:
        show = PRINT_SETTINGS.split("print(")[0] + "print(s.DOWNSTREAM_AUTH, s.DOWNSTREAM_OAUTH)"
        self.assertEqual(run(["-c", show]).stdout.split(), ["off", "False"])
        self.assertEqual(run(["-c", show], DOWNSTREAM_OAUTH="true").stdout.split(), ["passthrough", "True"])
        self.assertEqual(run(["-c", show], DOWNSTREAM_AUTH="impersonate").stdout.split(), ["impersonate", "False"])
        result = run(["manage.py", "check"], DOWNSTREAM_OAUTH="true", DOWNSTREAM_AUTH="impersonate")
        self.assertEqual(result.returncode, 2)
        self.assertIn("DOWNSTREAM_OAUTH=true means DOWNSTREAM_AUTH=passthrough", result.stderr)
        self.assertNotIn("Traceback", result.stderr)

    def test_production_mode_refuses_to_start_without_a_secret_key_it_cannot_keep(self) -> None:
        # Without SECRET_KEY, production mode keeps a random key in DATA_DIR (mcpsite.secret_key); with no
        # place to keep one it stops, naming the variable.
        result = run(["manage.py", "check"], DEBUG="false", DATA_DIR="/proc/kubemcp-no-such-dir")
        self.assertEqual(result.returncode, 2)
        self.assertIn("SECRET_KEY is not set and no key can be kept in", result.stderr)

    def test_postgresql_gets_a_connection_pool_that_persistent_connections_cannot_be_mixed_with(self) -> None:
        pool = (
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='mcpsite.settings'; django.setup(); "
            "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'].get('pool'))"
        )
        result = run(["-c", pool], DATABASE_URL="postgres://k@db/k", DB_POOL_MAX_SIZE="7")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "{'min_size': 1, 'max_size': 7, 'timeout': 10}")
        result = run(["-c", PRINT_SETTINGS], DATABASE_URL="postgres://k@db/k", DB_CONN_MAX_AGE="60")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DB_CONN_MAX_AGE applies without the connection pool: set DB_POOL_MAX_SIZE=0 too", result.stderr)
        result = run(
            ["-c", PRINT_SETTINGS], DATABASE_URL="postgres://k@db/k", DB_CONN_MAX_AGE="60", DB_POOL_MAX_SIZE="0"
        )
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_production_settings_pass_the_deployment_checks(self) -> None:
        result = run(
            ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            DEBUG="false",
            SECRET_KEY="a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
            ALLOWED_HOSTS="kubemcp.example.com",
            SECURE_SSL_REDIRECT="true",
            ENABLE_HSTS="true",
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
