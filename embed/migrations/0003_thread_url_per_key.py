"""A page URL is unique among key-less threads only (the constraint comes in 0005, once
0004 has merged the duplicates that today's URL normalisation reveals)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("embed", "0002_moderation")]

    operations = [
        migrations.AlterField(
            model_name="thread", name="url", field=models.CharField(max_length=2000)
        ),
        migrations.AddIndex(
            model_name="thread", index=models.Index(fields=["url"], name="thread_url_idx")
        ),
    ]
