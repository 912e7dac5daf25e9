"""How long a site keeps its readers' IP networks (`SiteSettings.ip_retention_days`).

Comments store their author's IP only anonymised (/24 for IPv4, /48 for IPv6: core.clientip),
for bans and spam checks on recent activity, and a guest's vote stores its network (one guest
vote per comment per network). Past the site's retention period (90 days by default) the
daily job `ip_purge` clears both. Bans keep the network they name: a ban is a
moderator's decision about that network, and is listed and lifted in the dashboard.
"""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from embed.background import TASK_OPTIONS
from embed.models import Comment, Vote
from embed.site import site_settings_row


def ips_purge() -> int:
    """Clear the IP network of every comment and guest vote older than the site's retention
    period; the number of rows cleared."""
    days = site_settings_row().ip_retention_days
    cutoff = timezone.now() - timedelta(days=days)
    comments = Comment.objects.filter(created__lt=cutoff, ip__isnull=False).update(ip=None)
    votes = Vote.objects.filter(created__lt=cutoff, network__isnull=False).update(network=None)
    return comments + votes


@shared_task(name="embed.ip_purge", **TASK_OPTIONS)
def ip_purge() -> int:
    """Celery beat's daily job, run in every active site's schema: see `ips_purge`."""
    return ips_purge()
