"""Hits read from the sightings, the data (see 0007): every value's holders computed from the
sightings, what users said of their hits kept, access requests pointed at the hit's sighting."""

from django.db import migrations
from django.utils import timezone


def keep_reviews_and_requests(apps, schema_editor):
    OldHit = apps.get_model("indicators", "Hit")
    AccessRequest = apps.get_model("indicators", "AccessRequest")
    Indicator = apps.get_model("indicators", "Indicator")
    for request in AccessRequest.objects.filter(hit__isnull=False).select_related("hit"):
        sighting = Indicator.objects.filter(
            case_id=request.hit.case_id, value_id=request.hit.value_id
        ).first()
        request.hit_sighting = sighting
        request.save(update_fields=["hit_sighting"])
    OldHit.objects.filter(status="new").delete()
    OldHit.objects.filter(reviewed_at__isnull=True).update(reviewed_at=timezone.now())


# The holders of every value, from the sightings (the rule of indicators.xref, in SQL that runs
# on PostgreSQL and SQLite alike; common values keep no holders).
HOLDERS = """
UPDATE indicators_indicatorvalue SET
    agency_count = (
        SELECT count(DISTINCT c.agency_id) FROM indicators_indicator i
        JOIN cases_case c ON c.id = i.case_id
        WHERE i.value_id = indicators_indicatorvalue.id AND NOT c.silent
    ),
    sole_agency_id = (
        SELECT CASE WHEN count(DISTINCT c.agency_id) = 1 THEN min(c.agency_id) END
        FROM indicators_indicator i JOIN cases_case c ON c.id = i.case_id
        WHERE i.value_id = indicators_indicatorvalue.id AND NOT c.silent
    )
WHERE NOT is_common
"""


def compute_holders(apps, schema_editor):
    schema_editor.execute(HOLDERS)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0007_hits_read_from_sightings")]

    operations = [
        migrations.RunPython(compute_holders, migrations.RunPython.noop),
        migrations.RunPython(keep_reviews_and_requests, migrations.RunPython.noop),
    ]
