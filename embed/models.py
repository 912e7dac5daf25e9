from django.contrib.postgres.fields import ArrayField
from django.db import models


class SiteSettings(models.Model):
    """The site's configuration: one row per tenant schema, created at provisioning."""

    allowed_origins = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    edit_window_minutes = models.PositiveIntegerField(default=15)
    guests_allowed = models.BooleanField(default=True)
    guest_email_required = models.BooleanField(default=False)
    max_depth = models.PositiveSmallIntegerField(default=5)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "site settings"

    def __str__(self) -> str:
        return "site settings"
