from django.db import migrations

from config.appendonly import VICTIM_ACCESS_LOG_TABLE, install


class Migration(migrations.Migration):
    """The victim access log refuses UPDATE, DELETE (and TRUNCATE) in the database itself,
    not only through the ORM (victims.models.AppendOnlyModel)."""

    dependencies = [
        ("victims", "0003_repatriation_step_corrected"),
    ]

    operations = [install(VICTIM_ACCESS_LOG_TABLE)]
