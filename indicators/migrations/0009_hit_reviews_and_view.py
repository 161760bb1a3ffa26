"""Hits are read from the sightings (the tables, see 0007): the old hit table becomes the
table of reviews, and the view `indicators_hit` reads the hits.

A sighting is a hit when its value is not common and is held in a case that is not silent by
another agency: two or more such agencies, or one that is not the sighting's own. Its
`other_agencies` asks whether the own agency is one of them only when two or more are (one
probe of the value's sightings). Its status is what the agency said in its review, unless more
agencies hold the value than when it was said: then it is new again. The same SQL runs on
PostgreSQL and SQLite."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

HIT_VIEW = """
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


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0008_keep_reviews_and_holders"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveField(model_name="accessrequest", name="hit"),
        migrations.RenameField(model_name="accessrequest", old_name="hit_sighting", new_name="hit"),
        migrations.RemoveIndex(model_name="hit", name="indicators__value_i_23e73b_idx"),
        migrations.RemoveConstraint(model_name="hit", name="one_hit_per_case_value"),
        migrations.RenameModel(old_name="Hit", new_name="HitReview"),
        migrations.AlterModelOptions(name="hitreview", options={}),
        migrations.RemoveField(model_name="hitreview", name="created_at"),
        migrations.AlterField(
            model_name="hitreview",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="hit_reviews",
                to="cases.case",
            ),
        ),
        migrations.AlterField(
            model_name="hitreview",
            name="value",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="hit_reviews",
                to="indicators.indicatorvalue",
            ),
        ),
        migrations.AlterField(
            model_name="hitreview",
            name="status",
            field=models.CharField(
                choices=[("new", "New"), ("reviewed", "Reviewed"), ("dismissed", "Dismissed")],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="hitreview",
            name="other_agencies",
            field=models.PositiveIntegerField(
                help_text="How many other agencies held the value when it was said: when more "
                "hold it, the hit is new again."
            ),
        ),
        migrations.AlterField(
            model_name="hitreview",
            name="reviewed_at",
            field=models.DateTimeField(),
        ),
        migrations.AddConstraint(
            model_name="hitreview",
            constraint=models.UniqueConstraint(
                fields=("case", "value"), name="one_review_per_case_value"
            ),
        ),
        migrations.CreateModel(
            name="Hit",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        help_text="The sighting's id.", primary_key=True, serialize=False
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("new", "New"),
                            ("reviewed", "Reviewed"),
                            ("dismissed", "Dismissed"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "other_agencies",
                    models.PositiveIntegerField(
                        help_text="How many other agencies hold the value in a case that is "
                        "not silent."
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        help_text="The later of the sighting and the last time one more agency "
                        "held the value."
                    ),
                ),
                ("reviewed_at", models.DateTimeField(null=True)),
                (
                    "case",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="hits",
                        to="cases.case",
                    ),
                ),
                (
                    "value",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="hits",
                        to="indicators.indicatorvalue",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "db_table": "indicators_hit",
                "ordering": ["-created_at", "-id"],
                "managed": False,
            },
        ),
        migrations.RunSQL(HIT_VIEW, "DROP VIEW indicators_hit"),
    ]
