"""IP retention: a site's comments keep their author's anonymised network only as long as
the owner set (90 days by default); the daily job clears it after, site by site."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from embed.models import Comment, Vote
from embed.moderation.retention import ip_purge, ips_purge
from embed.site import site_settings_update
from tenants.models import Tenant
from tests.conftest import Api
from tests.test_admin_api import send

pytestmark = pytest.mark.django_db


def aged(tenant: Tenant, body: str, days: int) -> int:
    """A comment on `tenant` posted through the API, then made `days` old."""
    answer = Api(tenant).post_comment(body, url=f"https://{tenant.slug}.example/posts/kept")
    assert answer.status_code == 201, answer.content
    comment_id = answer.json()["id"]
    with schema_context(tenant.schema_name):
        Comment.objects.filter(pk=comment_id).update(created=timezone.now() - timedelta(days=days))
    return comment_id


def ip_of(tenant: Tenant, comment_id: int) -> str | None:
    with schema_context(tenant.schema_name):
        return Comment.objects.get(pk=comment_id).ip


def test_networks_older_than_the_sites_retention_are_cleared(alpha: Tenant, beta: Tenant):
    old, recent = aged(alpha, "old", 91), aged(alpha, "recent", 89)
    betas_old = aged(beta, "beta's old", 45)
    with schema_context(beta.schema_name):
        site_settings_update(ip_retention_days=30)
    assert ip_of(alpha, old) and ip_of(alpha, recent) and ip_of(beta, betas_old)

    with schema_context(alpha.schema_name):
        assert ips_purge() == 1
    assert ip_of(alpha, old) is None and ip_of(alpha, recent) is not None
    assert ip_of(beta, betas_old) is not None  # each site on its own schedule
    with schema_context(beta.schema_name):
        assert ip_purge.apply().get() == 1  # the task as beat runs it
    assert ip_of(beta, betas_old) is None


def test_a_guests_vote_forgets_its_network_too(alpha: Tenant):
    comment_id = aged(alpha, "vote on me", 1)
    voter = Api(alpha)
    answer = voter.send("POST", f"/api/v1/comments/{comment_id}/vote", {"value": 1})
    assert answer.status_code == 200, answer.content
    with schema_context(alpha.schema_name):
        vote = Vote.objects.get(comment_id=comment_id)
        assert vote.network is not None
        Vote.objects.filter(pk=vote.pk).update(created=timezone.now() - timedelta(days=100))
        assert ips_purge() == 1
        vote.refresh_from_db()
        assert vote.network is None and vote.value == 1  # the vote itself stays


def test_owners_set_the_period_in_the_admin_api_within_bounds(alpha: Tenant, staff_client):
    owner = staff_client(alpha)
    assert owner.get("/api/v1/admin/settings").json()["ip_retention_days"] == 90
    for bad in (0, 3651, "ninety"):
        answer = send(owner, "PATCH", "/api/v1/admin/settings", {"ip_retention_days": bad})
        assert answer.status_code == 400, bad
    answer = send(owner, "PATCH", "/api/v1/admin/settings", {"ip_retention_days": 14})
    assert answer.status_code == 200 and answer.json()["ip_retention_days"] == 14
