from django.db import migrations, models


def fill_search_name(apps, schema_editor):
    """Existing suspects get the folded names Suspect.clean() now keeps on every write. The
    folding is the live one on purpose: the column must fold as typed queries are folded
    (persons.search), so a frozen copy would make existing rows unfindable when it changes."""
    from persons.search import search_text

    Suspect = apps.get_model("cases", "Suspect")
    batch = []
    for suspect in Suspect.objects.only("pk", "full_name", "aliases").iterator(chunk_size=1000):
        aliases = suspect.aliases if isinstance(suspect.aliases, list) else []
        suspect.search_name = search_text([suspect.full_name, *map(str, aliases)])
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
