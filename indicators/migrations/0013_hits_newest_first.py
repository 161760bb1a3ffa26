"""The first pages of hits newest first read from two indexed walks (`Hit.sighted_at`, see
`indicators.models.HitQuerySet.newest_first`): the view gives the sighting's time too, the
sightings are indexed by their time and the values by the time of their last new holder.

The view as it stood (0009), copied here, never imported from live code, and the same with
the new column."""

from django.db import migrations, models

PREVIOUS_HIT_VIEW = """
CREATE VIEW indicators_hit AS
SELECT b.id, b.case_id, b.value_id, b.other_agencies, b.created_at,
       CASE WHEN r.id IS NULL THEN 'new' WHEN b.other_agencies > r.other_agencies THEN 'new'
            ELSE r.status END AS status,
       CASE WHEN r.id IS NULL THEN NULL WHEN b.other_agencies > r.other_agencies THEN NULL
            ELSE r.reviewed_by_id END AS reviewed_by_id,
       CASE WHEN r.id IS NULL THEN NULL WHEN b.other_agencies > r.other_agencies THEN NULL
            ELSE r.reviewed_at END AS reviewed_at
FROM (
    SELECT i.id, i.case_id, i.value_id,
           CASE WHEN v.agency_count = 1 THEN 1
                WHEN EXISTS (
                    SELECT 1 FROM indicators_indicator o JOIN cases_case oc ON oc.id = o.case_id
                    WHERE o.value_id = i.value_id AND oc.agency_id = c.agency_id
                      AND NOT oc.silent
                ) THEN v.agency_count - 1
                ELSE v.agency_count END AS other_agencies,
           CASE WHEN v.hit_at > i.created_at THEN v.hit_at ELSE i.created_at END AS created_at
    FROM indicators_indicator i
    JOIN cases_case c ON c.id = i.case_id
    JOIN indicators_indicatorvalue v ON v.id = i.value_id
    WHERE NOT v.is_common
      AND (v.agency_count > 1 OR (v.agency_count = 1 AND v.sole_agency_id <> c.agency_id))
) b
LEFT JOIN indicators_hitreview r ON r.case_id = b.case_id AND r.value_id = b.value_id
"""

# The same with the sighting's time, `sighted_at`.
HIT_VIEW = PREVIOUS_HIT_VIEW.replace(
    "b.other_agencies, b.created_at,", "b.other_agencies, b.created_at, b.sighted_at,"
).replace(
    "ELSE i.created_at END AS created_at\n",
    "ELSE i.created_at END AS created_at,\n           i.created_at AS sighted_at\n",
)
assert HIT_VIEW.count("sighted_at") == 2


class Migration(migrations.Migration):
    dependencies = [("indicators", "0012_hit_tallies")]

    operations = [
        migrations.RunSQL("DROP VIEW indicators_hit", PREVIOUS_HIT_VIEW),
        migrations.RunSQL(HIT_VIEW, "DROP VIEW indicators_hit"),
        migrations.AddIndex(
            model_name="indicator",
            index=models.Index(fields=["created_at", "id"], name="indicator_newest"),
        ),
        migrations.AddIndex(
            model_name="indicatorvalue",
            index=models.Index(
                condition=models.Q(hit_at__isnull=False), fields=["hit_at"], name="value_hit_at"
            ),
        ),
    ]
