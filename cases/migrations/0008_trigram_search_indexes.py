from django.db import migrations

# (index, table, method and expression): what the case search and the registry search match
# with `icontains` (UPPER(col::text) LIKE UPPER('%q%') on PostgreSQL) or, for the folded
# suspect names, `contains` (col LIKE '% word%'); and the normalised value alone (btree), which
# the case search compares with the query normalised as every kind would normalise it.
INDEXES = [
    ("cases_case_reference_trgm", "cases_case", "gin (UPPER(reference) gin_trgm_ops)"),
    ("cases_case_title_trgm", "cases_case", "gin (UPPER(title) gin_trgm_ops)"),
    ("cases_suspect_full_name_trgm", "cases_suspect", "gin (UPPER(full_name) gin_trgm_ops)"),
    ("cases_suspect_search_name_trgm", "cases_suspect", "gin (search_name gin_trgm_ops)"),
    (
        "indicators_indicator_raw_value_trgm",
        "indicators_indicator",
        "gin (UPPER(raw_value) gin_trgm_ops)",
    ),
    (
        "indicators_value_normalized_trgm",
        "indicators_indicatorvalue",
        "gin (UPPER(normalized) gin_trgm_ops)",
    ),
    ("indicators_value_normalized", "indicators_indicatorvalue", "btree (normalized)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, method in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING {method}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _method in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    """On PostgreSQL, trigram indexes (pg_trgm) for the substring searches of the case list
    (reference, title, indicator values as written and normalised, suspect names) and of the
    registry (normalised values): a `LIKE '%...%'` is otherwise a scan of every row, and the
    pages count their matches. And the normalised value alone: the unique index leads with the
    kind, which the case search does not know. SQLite has no such index and keeps scanning; the model state
    does not change (raw SQL), so the migrations stay the same on both. One migration for the
    indicators' tables too: the case search is their main reader."""

    dependencies = [
        ("cases", "0007_system_text_keys"),
        ("indicators", "0012_hit_tallies"),
    ]

    operations = [migrations.RunPython(create, drop)]
