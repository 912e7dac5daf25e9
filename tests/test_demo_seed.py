import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django_tenants.utils import schema_context

from embed.models import Comment, Thread
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_the_demo_seed_makes_a_site_with_threads_and_held_comments(capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # a second run changes nothing
    demo = Tenant.objects.get(slug="demo")
    with schema_context(demo.schema_name):
        threads = Thread.objects.annotate(
            published=Count("comments", filter=Q(comments__status="published"))
        )
        assert threads.count() == 3
        for thread in threads:
            assert thread.comment_count == thread.published > 0
        assert Comment.objects.filter(status="pending").count() == 2
    assert "Created the demo site" in capsys.readouterr().out
