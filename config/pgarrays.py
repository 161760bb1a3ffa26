"""Statements that send whole columns as PostgreSQL arrays (`unnest`), bound by the server in
binary: Django's cursor binds parameters on the client, quoting each element of a 20,000-long
array as text, which cost an import's save about twice as much as the binary binding."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection, transaction


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


# From how many rows `relation` copies them into a temporary table rather than binding arrays:
# psycopg dumps a bound array element by element in Python (about 1 us an element, seven
# columns of 112,502 values cost an import's save most of a second), COPY writes each row in C;
# a temporary table costs a few statements, more than a short array.
COPY_FROM_ROWS = 1000
_temp_tables = iter(range(1, 1 << 62))


@contextmanager
def relation(
    alias: str, columns: list[str], types: list[str], rows: list[tuple]
) -> Iterator[tuple[str, list[Any]]]:
    """`rows` (tuples in `columns` order, of PostgreSQL `types`) as a relation named `alias`
    for a statement run by `execute`: (its SQL, to write after FROM, and its parameters, which
    come first in the statement's). A short list is bound as arrays (`unnest`); a long one is
    copied into a temporary table of the current transaction, dropped after the block. Either
    way the rows keep their order in column `ord` (from 1)."""
    if len(rows) < COPY_FROM_ROWS:
        arrays = ", ".join(f"%b::{t}[]" for t in types)
        yield (
            f"unnest({arrays}) WITH ORDINALITY AS {alias}({', '.join(columns)}, ord)",
            [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in columns],
        )
        return
    table = f"pg_temp.fortress_rows_{next(_temp_tables)}"
    definition = ", ".join(f"{c} {t}" for c, t in zip(columns, types, strict=True))
    with transaction.atomic(savepoint=False):
        execute(f"CREATE TEMPORARY TABLE {table} (ord int8, {definition}) ON COMMIT DROP", [])
        try:
            copy_rows(
                table,
                ["ord", *columns],
                ["int8", *types],
                ((n, *row) for n, row in enumerate(rows, start=1)),
            )
            yield f"{table} AS {alias}", []
        finally:
            execute(f"DROP TABLE IF EXISTS {table}", [])
