"""Host names are stored lower-case: lower-case the existing ones, then hold them so."""

from django.db import migrations, models
from django.db.models.functions import Lower


def lower_case_domains(apps, schema_editor):
    Domain = apps.get_model("tenants", "Domain")
    for row in Domain.objects.exclude(domain=Lower("domain")):
        lowered = row.domain.lower()
        if Domain.objects.filter(domain=lowered).exists():
            # The lower-case twin already answers for this host; requests now resolve to it.
            row.delete()
        else:
            row.domain = lowered
            row.save(update_fields=["domain"])


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [
        migrations.RunPython(lower_case_domains, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="domain",
            constraint=models.CheckConstraint(
                condition=models.Q(domain=Lower("domain")), name="tenants_domain_lower_case"
            ),
        ),
    ]
