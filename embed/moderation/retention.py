"""How long a site keeps its readers' IP networks (`SiteSettings.ip_retention_days`).

Comments store their author's IP only anonymised (/24 for IPv4, /48 for IPv6: core.clientip),
for bans and spam checks on recent activity, and a guest's vote stores its network (one guest
vote per comment per network). Past the site's retention period (90 days by default) the
daily job `ip_purge` clears both. Bans keep the network they name: a ban is a
moderator's decision about that network, and is listed and lifted in the dashboard.

The same daily job deletes e-mailed sign-in links (`MagicLink`, digests of their secrets and
the address they were sent to) a day after they expired (`magic_links_purge`).
"""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from embed.background import TASK_OPTIONS
from embed.models import Comment, MagicLink, Vote
from embed.site import site_settings_row


def ips_purge() -> int:
    """Clear the IP network of every comment and guest vote older than the site's retention
    period; the number of rows cleared."""
    days = site_settings_row().ip_retention_days
    cutoff = timezone.now() - timedelta(days=days)
    comments = Comment.objects.filter(created__lt=cutoff, ip__isnull=False).update(ip=None)
    votes = Vote.objects.filter(created__lt=cutoff, network__isnull=False).update(network=None)
    return comments + votes


MAGIC_LINK_KEEP_DAYS = 1
"""E-mailed sign-in links (used or not) are deleted this long after they expire."""
MAGIC_LINK_UNSENT_DAYS = 1
"""A link the mail task never sent (it gave up) is deleted this long after it was asked."""


def magic_links_purge() -> int:
    """Delete the sign-in links (embed/magiclinks.py) that expired over MAGIC_LINK_KEEP_DAYS
    ago, and those never sent for MAGIC_LINK_UNSENT_DAYS; the number deleted."""
    now = timezone.now()
    expired = MagicLink.objects.filter(expires__lt=now - timedelta(days=MAGIC_LINK_KEEP_DAYS))
    unsent = MagicLink.objects.filter(
        expires__isnull=True, created__lt=now - timedelta(days=MAGIC_LINK_UNSENT_DAYS)
    )
    deleted, _ = (expired | unsent).delete()
    return deleted


@shared_task(name="embed.ip_purge", **TASK_OPTIONS)
def ip_purge() -> int:
    """Celery beat's daily job, run in every active site's schema: see `ips_purge` (whose
    count it returns) and `magic_links_purge`."""
    magic_links_purge()
    return ips_purge()
