"""The agencies' tallies of hits (`HitTally`, see indicators.hitcount), counted from the hits
the view reads when the table is created. The count is copied here as it stands, never
imported from live code."""

import django.db.models.deletion
from django.db import migrations, models


# As indicators.hitcount._INSERT_COUNTED (all agencies), today.
TALLY_FROM_HITS = """
INSERT INTO indicators_hittally (agency_id, new, reviewed, dismissed)
SELECT c.agency_id, sum(CASE WHEN h.status = 'new' THEN 1 ELSE 0 END),
       sum(CASE WHEN h.status = 'reviewed' THEN 1 ELSE 0 END),
       sum(CASE WHEN h.status = 'dismissed' THEN 1 ELSE 0 END)
FROM indicators_hit h JOIN cases_case c ON c.id = h.case_id
GROUP BY c.agency_id
"""


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0006_trust'),
        ('indicators', '0011_queue_value_required'),
    ]

    operations = [
        migrations.CreateModel(
            name='HitTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('new', models.IntegerField(default=0)),
                ('reviewed', models.IntegerField(default=0)),
                ('dismissed', models.IntegerField(default=0)),
                ('agency', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='agencies.agency')),
            ],
            options={
                'indexes': [models.Index(fields=['agency', 'new', 'reviewed', 'dismissed'], name='hittally_agency_counts')],
            },
        ),
        migrations.RunSQL(TALLY_FROM_HITS, migrations.RunSQL.noop),
    ]
