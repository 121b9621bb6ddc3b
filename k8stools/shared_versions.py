"""Versions that live with the database: a token that changes in the same transaction as the data it covers.

Database triggers (migration 0005) replace a name's token on every INSERT, UPDATE or DELETE (and TRUNCATE on
PostgreSQL) of the table it covers, whoever writes: the admin of another server, a `manage.py` command, a raw
SQL statement, a bulk update no signal sees. The change and its new token commit together, so a reader that
reads the token, then the data, and keeps the data under that token until the token differs, never keeps
stale data: a write committed before the token was read is in the data; one committed after changes the token.

Reading the token is one indexed single-row query: on a SQLite tool thread (its connection kept) tens of
microseconds, where reading the policy through the ORM cost about half a millisecond. A token that cannot be
read is None, and the caller reads the data every time (fail safe, never stale).

Beware SQLite's way of altering a table (copy to a new one, drop the old): it drops the old table's triggers.
A migration that alters a covered table must create them again (as `0005_shared_version` does);
`tests/admin/test_shared_versions.py` fails when a write to a covered table no longer replaces its token.
"""

from __future__ import annotations

import uuid

from django.db import DatabaseError, connection, transaction

POLICY = "policy"
CONTEXT = "context"
TABLE = "k8stools_sharedversion"
TRIGGER_VENDORS = ("sqlite", "postgresql")
# name -> the table whose every change replaces that name's token
COVERED = {POLICY: "k8stools_policysettings", CONTEXT: "k8stools_userkubecontext"}


def database_version(name: str) -> str | None:
    """The current token for `name`, or None when it cannot be read (no table yet, database unreachable)."""
    if connection.vendor not in TRIGGER_VENDORS:
        return None  # no trigger would replace a token there, so none may be trusted
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT token FROM {TABLE} WHERE name = %s", [name])  # noqa: S608 - a constant
            row = cursor.fetchone()
        if row is None:
            # A fresh or flushed table: give it a token (never replacing one a writer set meanwhile), read back.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {TABLE} (name, token) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",  # noqa: S608
                    [name, uuid.uuid4().hex],
                )
                cursor.execute(f"SELECT token FROM {TABLE} WHERE name = %s", [name])  # noqa: S608
                row = cursor.fetchone()
    except DatabaseError:
        return None
    return str(row[0]) if row is not None else None
