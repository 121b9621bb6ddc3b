"""Connections of threads outside requests: a SQLite one is kept for the thread's life and closed when it ends."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import SimpleTestCase

from k8stools.dbconnections import releasing_connections


def in_a_thread(body: Callable[[], Any]) -> Any:
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(body()))
    thread.start()
    thread.join()
    return result[0]


def raw_connection() -> Any:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return connection.connection


class KeptSqliteConnectionTests(SimpleTestCase):
    databases = {"default"}

    def setUp(self) -> None:
        if connection.vendor != "sqlite":
            self.skipTest("only SQLite connections are kept")
        self.database = str(connection.settings_dict["NAME"])
        self.assertTrue(Path(self.database).is_file())

    def test_a_thread_keeps_its_connection_between_pieces_of_work(self) -> None:
        def twice() -> tuple[Any, Any, bool]:
            first = releasing_connections(raw_connection)()
            second = releasing_connections(raw_connection)()
            return first, second, connection.connection is not None

        first, second, still_open = in_a_thread(twice)
        self.assertIs(first, second)
        self.assertTrue(still_open)

    def test_a_thread_that_ends_closes_its_connection(self) -> None:
        kept = in_a_thread(releasing_connections(raw_connection))
        # SQLite may hold on to the file descriptor for a later connection (POSIX locks), so the test asks the
        # connection itself.
        with self.assertRaisesRegex(sqlite3.ProgrammingError, "closed database"):
            kept.execute("SELECT 1")

    def test_a_connection_left_in_a_transaction_is_closed(self) -> None:
        def leave_autocommit_off() -> bool:
            def work() -> None:
                raw_connection()
                connection.set_autocommit(False)

            releasing_connections(work)()
            return connection.connection is None

        self.assertTrue(in_a_thread(leave_autocommit_off))
