import django.db.models
from django.db import migrations

import core.permalinks


class Migration(migrations.Migration):
    dependencies = [
        ("embed", "0012_ip_retention"),
    ]

    operations = [
        migrations.AddField(
            model_name="sitesettings",
            name="permalink_pattern",
            field=django.db.models.CharField(
                default="{url}#comment-{id}",
                max_length=500,
                validators=[core.permalinks.permalink_pattern_validate],
            ),
        ),
    ]
