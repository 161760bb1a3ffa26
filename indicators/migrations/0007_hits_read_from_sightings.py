"""Hits are read from the sightings instead of stored one row per case and value. In three
migrations, each a transaction of its own on PostgreSQL (which refuses to alter a table with
foreign-key checks of earlier updates still pending): 0007 adds the columns, 0008 moves the
data, 0009 changes the tables.

The cross-referencing now keeps, on each value, how many agencies hold it in a case that is not
silent (and which one, when one does); a view `indicators_hit` reads the hits from that and the
sightings, so matching a value writes nothing per case. What users said of their hits
(reviewed, dismissed) is kept: the rows of the old hit table that carry it become
`HitReview`s, the others (new hits) are dropped, and an access request made from a hit now
points at the hit's sighting, whose id is the hit's id from now on. The holders of every value
are computed from the sightings (0008), so no hit is lost on the way."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("indicators", "0006_value_fillfactor")]

    operations = [
        migrations.AddField(
            model_name="indicatorvalue",
            name="agency_count",
            field=models.PositiveIntegerField(
                default=0, help_text="Agencies holding the value in a case that is not silent."
            ),
        ),
        migrations.AddField(
            model_name="indicatorvalue",
            name="sole_agency",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                help_text="The agency, when exactly one holds the value in a case that is not "
                "silent.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="agencies.agency",
            ),
        ),
        migrations.AddField(
            model_name="indicatorvalue",
            name="hit_at",
            field=models.DateTimeField(
                blank=True, help_text="When one more agency last came to hold the value.", null=True
            ),
        ),
        migrations.AddField(
            model_name="accessrequest",
            name="hit_sighting",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="access_requests",
                to="indicators.indicator",
            ),
        ),
    ]
