"""Django's `migrate`, one run at a time per database (see k8stools.migrating): workers that start together on a
fresh database all come up, the later ones finding nothing left to apply."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrateCommand
from django.db import connections

from k8stools.migrating import MigrationLockTimeout, migration_lock


class Command(DjangoMigrateCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with migration_lock(connections[options["database"]]):
                super().handle(*args, **options)
        except MigrationLockTimeout as error:
            raise CommandError(str(error)) from None
