from django.db import migrations, models
import django.db.models.deletion

from config.fillfactor import set_fillfactor


class Migration(migrations.Migration):
    """The check writes its verdict (state, normalised value) into every row the request step
    wrote. On full pages each such update is a new row version elsewhere and an entry in each
    index; on PostgreSQL the rows' pages now keep 60 % free, so the verdict fits beside the row
    (a HOT update, no index entry). The job's own index goes: the unique (job, number) leads
    with the job, and answers every read by job. So does the rows' foreign-key constraint:
    they are written in the transaction that creates their job, and deleted with it by
    Django's cascade, and its check of each row at commit took most of a second of an upload
    of 100,000 rows."""

    dependencies = [("interchange", "0001_import_jobs")]

    operations = [
        migrations.AlterField(
            model_name="importrow",
            name="job",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rows",
                to="interchange.importjob",
            ),
        ),
        migrations.RunPython(
            set_fillfactor("interchange", "ImportRow", 40),
            set_fillfactor("interchange", "ImportRow", None),
        ),
    ]
