"""Append-only tables, enforced by the database itself: triggers refuse UPDATE and DELETE
(and, on PostgreSQL, TRUNCATE) on the audit trail and the victim access log, whatever
issues them — the ORM, `_base_manager`, a raw SQL statement, `manage.py dbshell`.

The SQL is written here once for both databases and used by the migrations that install the
triggers (audit 0001, victims 0004). Only the table's owner can lift the guard (PostgreSQL:
`ALTER TABLE … DISABLE TRIGGER`; SQLite: `DROP TRIGGER`), and a row changed or removed
meanwhile is still found by the hash chain (`manage.py audit_verify`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

AUDIT_TABLE = "audit_auditevent"
VICTIM_ACCESS_LOG_TABLE = "victims_victimaccesslog"
APPEND_ONLY_TABLES = (AUDIT_TABLE, VICTIM_ACCESS_LOG_TABLE)

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION fortress_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'fortress: % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$
"""


def trigger_names(table: str, vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"{table}_append_only", f"{table}_no_truncate"]
    return [f"{table}_no_update", f"{table}_no_delete"]


def create_sql(table: str, vendor: str) -> list[str]:
    """The statements that make `table` append-only on this database."""
    if vendor == "postgresql":
        row, truncate = trigger_names(table, vendor)
        return [
            _PG_FUNCTION,
            f"CREATE TRIGGER {row} BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION fortress_refuse_change()",
            f"CREATE TRIGGER {truncate} BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION fortress_refuse_change()",
        ]
    if vendor == "sqlite":
        update, delete = trigger_names(table, vendor)
        return [
            f"CREATE TRIGGER {update} BEFORE UPDATE ON {table} BEGIN "
            f"SELECT RAISE(ABORT, 'fortress: {table} is append-only: UPDATE refused'); END",
            f"CREATE TRIGGER {delete} BEFORE DELETE ON {table} BEGIN "
            f"SELECT RAISE(ABORT, 'fortress: {table} is append-only: DELETE refused'); END",
        ]
    return []  # another database: the ORM's refusal (victims.models.AppendOnlyModel) only


def drop_sql(table: str, vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {name} ON {table}" for name in trigger_names(table, vendor)
        ]
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in trigger_names(table, vendor)]
    return []


def install(table: str) -> Any:
    """The migration operation that installs (and, backwards, removes) the triggers."""
    from django.db import migrations

    def forwards(apps, schema_editor) -> None:
        for sql in create_sql(table, schema_editor.connection.vendor):
            schema_editor.execute(sql, params=None)

    def backwards(apps, schema_editor) -> None:
        for sql in drop_sql(table, schema_editor.connection.vendor):
            schema_editor.execute(sql, params=None)

    return migrations.RunPython(forwards, backwards, elidable=False)


@contextmanager
def suspended(
    connection: BaseDatabaseWrapper, tables: tuple[str, ...] = APPEND_ONLY_TABLES
) -> Iterator[None]:
    """The triggers lifted for the enclosed statements and put back after, in the caller's
    transaction. For the test suite's flush between transactional tests only: the product
    never deletes an audit or access-log row."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for table in tables:
            for sql in drop_sql(table, vendor):
                cursor.execute(sql)
    yield
    # No `finally`: a failure rolls the whole transaction back, the drop with it.
    with connection.cursor() as cursor:
        for table in tables:
            for sql in create_sql(table, vendor):
                cursor.execute(sql)
