import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("indicators", "0010_queue_knows_the_value")]

    operations = [
        migrations.AlterField(
            model_name="pendingindicator",
            name="value",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="indicators.indicatorvalue",
            ),
        ),
    ]
