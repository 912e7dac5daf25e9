"""Per-site setup and teardown: the one hook through which `tenants` provisions a site.

`tenants.services` reaches this module through `settings.SITE_PROVISIONING`, never by an
import, so the platform app knows nothing of the per-site app's models (an import contract
in pyproject.toml keeps it so). Any module with these two functions can take its place.
"""

from typing import cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from embed.cache import local_forget
from embed.models import SiteSettings


def site_setup(*, owner_email: str, owner_password: str, origins: list[str]) -> None:
    """Fill a freshly cloned site schema: its owner (a superuser of that site only) and its
    settings row.

    Call inside the new site's schema (`schema_context`) and inside the provisioning
    transaction, so a failure here leaves no site behind. `origins` are already validated
    (ASCII form, core.urls.origins_clean).
    """
    user_model = cast(type[AbstractUser], get_user_model())
    user_model.objects.create_user(
        username=owner_email,
        email=owner_email,
        password=owner_password,
        is_staff=True,
        is_superuser=True,
    )
    SiteSettings.objects.create(pk=SiteSettings.SINGLETON_ID, allowed_origins=origins)


def site_teardown(*, schema: str) -> None:
    """After a site's schema is dropped: forget what this process holds of the site's
    threads (its Redis keys are removed by the caller)."""
    local_forget()
