"""The database cache table (settings.CACHES): the API's throttles count there, so every web
process sees the same counts. `migrate` creates it, as `createcachetable` would."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor) -> None:
    from django.conf import settings

    for cache in settings.CACHES.values():
        if cache["BACKEND"].endswith("DatabaseCache"):
            table = schema_editor.quote_name(cache["LOCATION"])
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_notification")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
