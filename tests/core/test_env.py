from __future__ import annotations

import os
import tempfile
import unittest
from unittest import mock

from django.core.exceptions import ImproperlyConfigured

from mcpsite import env


class EnvReadersTests(unittest.TestCase):
    def setUp(self) -> None:
        patcher = mock.patch.dict(os.environ, {}, clear=False)
        patcher.start()
        self.addCleanup(patcher.stop)
        for name in ("X_BOOL", "X_INT", "X_FLOAT", "X_LIST", "X_URL", "X_CHOICE", "X_SECRET", "X_SECRET_FILE"):
            os.environ.pop(name, None)

    def test_it_uses_the_default_when_unset_or_blank(self) -> None:
        self.assertTrue(env.env_bool("X_BOOL", True))
        os.environ["X_BOOL"] = "   "
        self.assertFalse(env.env_bool("X_BOOL", False))

    def test_it_reads_the_usual_boolean_words(self) -> None:
        for word, expected in [("true", True), ("YES", True), ("1", True), ("off", False), ("False", False)]:
            os.environ["X_BOOL"] = word
            self.assertIs(env.env_bool("X_BOOL", not expected), expected, word)

    def test_it_rejects_a_non_boolean_naming_the_variable(self) -> None:
        os.environ["X_BOOL"] = "maybe"
        with self.assertRaisesRegex(ImproperlyConfigured, r"X_BOOL='maybe', use 'true' or 'false'"):
            env.env_bool("X_BOOL", True)

    def test_it_reads_numbers_within_bounds(self) -> None:
        os.environ["X_INT"] = "42"
        self.assertEqual(env.env_int("X_INT", 1, minimum=1, maximum=100), 42)
        os.environ["X_INT"] = "0"
        with self.assertRaisesRegex(ImproperlyConfigured, "X_INT=0, use at least 1"):
            env.env_int("X_INT", 1, minimum=1)
        os.environ["X_INT"] = "4.5"
        with self.assertRaisesRegex(ImproperlyConfigured, "X_INT='4.5', use a whole number"):
            env.env_int("X_INT", 1)
        os.environ["X_FLOAT"] = "nan"
        with self.assertRaisesRegex(ImproperlyConfigured, "X_FLOAT"):
            env.env_float("X_FLOAT", 1.0)

    def test_it_splits_lists_and_drops_empty_items(self) -> None:
        os.environ["X_LIST"] = " a, b ,,c "
        self.assertEqual(env.env_list("X_LIST"), ["a", "b", "c"])

    def test_it_checks_url_schemes_and_hosts(self) -> None:
        os.environ["X_URL"] = "ftp://example.com"
        with self.assertRaisesRegex(ImproperlyConfigured, "X_URL='ftp://example.com'"):
            env.env_url("X_URL")
        os.environ["X_URL"] = "http://example.com:notaport"
        with self.assertRaisesRegex(ImproperlyConfigured, "port is not a number"):
            env.env_url("X_URL")
        os.environ["X_URL"] = "sqlite:////tmp/db.sqlite3"
        self.assertEqual(env.env_url("X_URL", schemes=("sqlite",), hostless=("sqlite",)), "sqlite:////tmp/db.sqlite3")

    def test_it_matches_choices_case_insensitively(self) -> None:
        os.environ["X_CHOICE"] = "JSON"
        self.assertEqual(env.env_choice("X_CHOICE", "text", ("text", "json")), "json")
        os.environ["X_CHOICE"] = "xml"
        with self.assertRaisesRegex(ImproperlyConfigured, "use one of: text, json"):
            env.env_choice("X_CHOICE", "text", ("text", "json"))

    def test_it_reads_secrets_from_a_file(self) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".secret", delete=False) as handle:
            handle.write("s3cret\n")
        self.addCleanup(os.unlink, handle.name)
        os.environ["X_SECRET_FILE"] = handle.name
        self.assertEqual(env.env_secret("X_SECRET"), "s3cret")
        os.environ["X_SECRET"] = "direct"
        self.assertEqual(env.env_secret("X_SECRET"), "direct")

    def test_it_names_an_unreadable_secret_file(self) -> None:
        os.environ["X_SECRET_FILE"] = "/nonexistent/secret"
        with self.assertRaisesRegex(ImproperlyConfigured, "Cannot read X_SECRET_FILE='/nonexistent/secret'"):
            env.env_secret("X_SECRET")
