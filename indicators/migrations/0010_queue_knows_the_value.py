"""Each queued indicator carries its value, so a worker taking a batch knows the values to
recompute without reading the sightings (first half: the column, filled from the sightings;
0011 makes it required, in a transaction of its own on PostgreSQL)."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE indicators_pendingindicator SET value_id = (
    SELECT value_id FROM indicators_indicator i
    WHERE i.id = indicators_pendingindicator.indicator_id
)
"""


class Migration(migrations.Migration):
    dependencies = [("indicators", "0009_hit_reviews_and_view")]

    operations = [
        migrations.AddField(
            model_name="pendingindicator",
            name="value",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="indicators.indicatorvalue",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
