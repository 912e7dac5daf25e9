"""One settings row per site, always id 1 (a CHECK constraint keeps it so).

Sites provisioned before this had one row, created by provisioning; if a schema somehow
holds more, the oldest wins (it is the one every reader used: `.first()` by id).
"""

from django.db import migrations, models


def keep_one_row(apps, schema_editor):
    SiteSettings = apps.get_model("embed", "SiteSettings")
    first = SiteSettings.objects.order_by("id").first()
    if first is None:
        return  # the template schema: provisioning creates the row
    SiteSettings.objects.exclude(pk=first.pk).delete()
    if first.pk != 1:
        SiteSettings.objects.filter(pk=first.pk).update(id=1)


class Migration(migrations.Migration):
    dependencies = [("embed", "0007_guest_votes_and_reports")]

    operations = [
        migrations.RunPython(keep_one_row, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="sitesettings",
            constraint=models.CheckConstraint(
                condition=models.Q(id=1), name="embed_sitesettings_singleton"
            ),
        ),
    ]
