"""The models and their migrations agree: a model change without its migration fails here, not at a user's start."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import TestCase


class MigrationsTests(TestCase):
    def test_every_model_change_has_its_migration(self) -> None:
        out = StringIO()
        try:
            call_command("makemigrations", check=True, dry_run=True, stdout=out, stderr=out)
        except SystemExit:  # `--check` exits non-zero when a migration is missing
            self.fail(f"a model change has no migration:\n{out.getvalue()}")
