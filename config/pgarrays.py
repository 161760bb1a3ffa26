"""Statements that send whole columns as PostgreSQL arrays (`unnest`), bound by the server in
binary: Django's cursor binds parameters on the client, quoting each element of a 20,000-long
array as text, which cost an import's save about twice as much as the binary binding."""

from __future__ import annotations

from typing import Any

import psycopg
from django.db import connection


def execute(sql: str, params: list[Any]) -> list[tuple]:
    """Run `sql` (placeholders `%b`) on Django's connection, in its current transaction, and
    return the rows it gives (none for a statement without RETURNING)."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
