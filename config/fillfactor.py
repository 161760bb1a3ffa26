"""A table's fillfactor, set by a migration: the room each page keeps for the new versions of
its rows, so that an update fits beside its row (a HOT update, no new index entry)."""

from collections.abc import Callable
from typing import Any


def set_fillfactor(app_label: str, model_name: str, percent: int | None) -> Callable[..., None]:
    """A RunPython function: on PostgreSQL, pages written from now on fill to `percent`
    (None: back to the default); nothing elsewhere."""

    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table = apps.get_model(app_label, model_name)._meta.db_table
        option = f"SET (fillfactor = {int(percent)})" if percent else "RESET (fillfactor)"
        schema_editor.execute(f"ALTER TABLE {table} {option}")

    return run
