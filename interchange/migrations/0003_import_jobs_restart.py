import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """When a job last moved, and how often the sweep restarted it: a job whose task was lost
    (a worker that died with it) is restarted, then failed, instead of staying queued."""

    dependencies = [("interchange", "0002_import_rows_lighter")]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="restarts",
            field=models.PositiveSmallIntegerField(
                default=0, help_text="Restarts in a row without progress, after its task was lost."
            ),
        ),
        migrations.AddField(
            model_name="importjob",
            name="touched_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
    ]
