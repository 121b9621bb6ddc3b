"""DEBUG is off wherever kubemcp is started as a product; only a checkout's manage.py turns it on; the
debug error page never shows settings (issue #24: with DEBUG at its default a 500 showed the database URL
and the kubeconfig path to anyone)."""

from __future__ import annotations

import secrets
import stat
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, SimpleTestCase, override_settings
from django.views.debug import ExceptionReporter

from mcpsite.secret_key import stored_secret_key
from tests.core.test_settings import run

PRINT_DEBUG = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='mcpsite.settings'; django.setup(); "
    "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"
)


class DebugDefaultTest(SimpleTestCase):
    def test_an_installed_start_runs_with_debug_off_and_a_key_of_its_own(self) -> None:
        with tempfile.TemporaryDirectory() as data_dir:
            first = run(["-c", PRINT_DEBUG], DATA_DIR=data_dir)
            self.assertEqual(first.returncode, 0, first.stderr)
            debug, key = first.stdout.split()
            self.assertEqual(debug, "False")
            self.assertNotIn("insecure", key)
            self.assertGreaterEqual(len(key), 50)
            kept = Path(data_dir) / "secret_key"
            self.assertEqual(stat.S_IMODE(kept.stat().st_mode), 0o600)
            again = run(["-c", PRINT_DEBUG], DATA_DIR=data_dir)
            self.assertEqual(again.stdout.split(), ["False", key])

    def test_the_asgi_application_starts_with_debug_off(self) -> None:
        code = "import mcpsite.asgi; from django.conf import settings; print(settings.DEBUG)"
        with tempfile.TemporaryDirectory() as data_dir:
            result = run(["-c", code], DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="mcpsite.settings")
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertEqual(result.stdout.strip().splitlines()[-1], "False")

    def test_a_checkouts_manage_py_runs_with_debug_on_unless_told_otherwise(self) -> None:
        shell = ["manage.py", "shell", "-c", "from django.conf import settings; print(settings.DEBUG)"]
        self.assertEqual(run(shell).stdout.split()[-1], "True")
        with tempfile.TemporaryDirectory() as data_dir:
            self.assertEqual(run(shell, DEBUG="false", DATA_DIR=data_dir).stdout.split()[-1], "False")

    def test_the_debug_error_page_shows_no_settings_and_no_environment(self) -> None:
        # Values made here, so that the page's own listing of this test's source cannot contain them.
        kubeconfig, password = f"/clusters/{secrets.token_hex(8)}", secrets.token_hex(8)
        request = RequestFactory().post(
            "/o/register/", HTTP_X_PROBE="visible-header", DATABASE_URL=f"postgres://u:{password}@db/kubemcp"
        )
        with override_settings(DEBUG=True, KUBECONFIG=kubeconfig):
            try:
                raise RecursionError("maximum recursion depth exceeded")
            except RecursionError:
                html = ExceptionReporter(request, *sys.exc_info()).get_traceback_html()
        self.assertIn("maximum recursion depth exceeded", html)
        self.assertIn("visible-header", html)
        for hidden in (kubeconfig, password, settings.ROOT_URLCONF, str(settings.DATABASES["default"]["NAME"])):
            self.assertNotIn(hidden, html)


class StoredSecretKeyTest(SimpleTestCase):
    def test_workers_starting_together_share_one_key(self) -> None:
        with tempfile.TemporaryDirectory() as data_dir, ThreadPoolExecutor(max_workers=4) as pool:
            keys = set(pool.map(lambda _: stored_secret_key(Path(data_dir) / "secret_key"), range(8)))
        self.assertEqual(len(keys), 1)

    def test_it_refuses_a_key_file_that_holds_no_usable_key(self) -> None:
        with tempfile.TemporaryDirectory() as data_dir:
            path = Path(data_dir) / "secret_key"
            path.write_text("short\n")
            with self.assertRaisesRegex(ImproperlyConfigured, "holds no usable key"):
                stored_secret_key(path)
