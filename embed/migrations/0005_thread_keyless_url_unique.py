from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("embed", "0004_renormalise_urls_and_origins")]

    operations = [
        migrations.AddConstraint(
            model_name="thread",
            constraint=models.UniqueConstraint(
                condition=models.Q(("key__isnull", True)),
                fields=("url",),
                name="thread_keyless_url_uniq",
            ),
        ),
    ]
