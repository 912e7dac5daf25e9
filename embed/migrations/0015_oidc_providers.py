from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("embed", "0014_email_sign_in"),
    ]

    operations = [
        migrations.CreateModel(
            name="OidcProvider",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("oidc", "OpenID Connect"),
                            ("github", "GitHub"),
                            ("google", "Google"),
                        ],
                        default="oidc",
                        max_length=16,
                    ),
                ),
                ("name", models.CharField(max_length=64)),
                ("issuer", models.URLField(blank=True, max_length=250)),
                ("client_id", models.CharField(max_length=255)),
                ("client_secret", models.CharField(max_length=512)),
                ("enabled", models.BooleanField(default=True)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("updated", models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.AlterField(
            model_name="readeridentity",
            name="kind",
            field=models.CharField(
                choices=[("email", "Email"), ("sso", "Sso"), ("oidc", "Oidc")], max_length=16
            ),
        ),
        migrations.AlterField(
            model_name="readeridentity",
            name="subject",
            field=models.CharField(max_length=512),
        ),
    ]
