from django.db import migrations, models

from victims.models import victim_search_name


def fill_search_name(apps, schema_editor):
    """Existing victims get the folded names that victims.services now keeps on every write."""
    Victim = apps.get_model("victims", "Victim")
    batch = []
    for victim in Victim.objects.only("pk", "full_name", "other_names").iterator(chunk_size=1000):
        victim.search_name = victim_search_name(victim.full_name, victim.other_names)
        batch.append(victim)
        if len(batch) == 1000:
            Victim.objects.bulk_update(batch, ["search_name"])
            batch = []
    Victim.objects.bulk_update(batch, ["search_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("victims", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="victim",
            name="search_name",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The full and other names folded for search (victims.services keeps it).",
            ),
        ),
        migrations.RunPython(fill_search_name, migrations.RunPython.noop, elidable=True),
    ]
