"""Statements that send whole columns as PostgreSQL arrays (`unnest`), bound by the server in
binary: Django's cursor binds parameters on the client, quoting each element of a 20,000-long
array as text, which cost an import's save about twice as much as the binary binding."""

from __future__ import annotations

from typing import Any

import psycopg
from django.db import connection


def execute(sql: str, params: list[Any]) -> list[tuple]:
    """Run `sql` (placeholders `%b`) on Django's connection, in its current transaction, and
    return the rows it gives (none for a statement without RETURNING). psycopg's errors come out
    as Django's (a deadlock, a lock timeout: django.db.OperationalError, which the tasks' retry
    policy retries), as from any Django cursor."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def copy_rows(table: str, columns: list[str], types: list[str], rows) -> None:
    """COPY `rows` (tuples in `columns` order, of PostgreSQL `types`) into `table`, in binary,
    on Django's connection in its current transaction: the rows are written by psycopg's C
    code, where binding the same columns as arrays converts each element in Python."""
    connection.ensure_connection()
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with (
        connection.wrap_database_errors,
        psycopg.Cursor(connection.connection) as cursor,
        cursor.copy(sql) as copy,
    ):
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def reserve_ids(table: str, count: int) -> list[int]:
    """`count` new ids from the sequence of `table`'s id column, ascending (for rows written
    by `copy_rows`, which returns nothing)."""
    if count == 0:
        return []
    rows = execute(
        "SELECT nextval(pg_get_serial_sequence(%b, 'id')) FROM generate_series(1, %b)",
        [table, count],
    )
    return sorted(pk for (pk,) in rows)
