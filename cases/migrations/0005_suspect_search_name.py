import importlib

from django.db import migrations, models

# What the filling runs is frozen: the folding as victims/0002 froze it (the same words, by the
# same rule, for a suspect's full name and aliases as for a victim's names), so that a later
# change of the live folding (persons.search) never changes what this migration does. Rows
# folded by an older rule are brought up to date by `manage.py persons_rebuild`.
_frozen = importlib.import_module("victims.migrations.0002_victim_search_name")


def fill_search_name(apps, schema_editor):
    """Existing suspects get the folded names Suspect.clean() now keeps on every write."""
    Suspect = apps.get_model("cases", "Suspect")
    batch = []
    for suspect in Suspect.objects.only("pk", "full_name", "aliases").iterator(chunk_size=1000):
        aliases = suspect.aliases if isinstance(suspect.aliases, list) else []
        suspect.search_name = _frozen.victim_search_name(suspect.full_name, map(str, aliases))
        batch.append(suspect)
        if len(batch) == 1000:
            Suspect.objects.bulk_update(batch, ["search_name"])
            batch = []
    Suspect.objects.bulk_update(batch, ["search_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_suspect_and_asset_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="suspect",
            name="search_name",
            field=models.TextField(
                blank=True,
                default="",
                db_default="",
                editable=False,
                help_text="The full name and aliases folded for search (kept by clean()).",
            ),
        ),
        migrations.RunPython(fill_search_name, migrations.RunPython.noop, elidable=True),
    ]
