import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django_tenants.utils import schema_context

from embed.models import Comment, SiteSettings, Thread
from embed.site import site_settings_update
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_the_demo_seed_makes_a_site_with_threads_and_held_comments(capsys, monkeypatch):
    monkeypatch.delenv("BLOG_PORT", raising=False)
    call_command("seed_demo")
    call_command("seed_demo")  # a second run changes nothing
    demo = Tenant.objects.get(slug="demo")
    with schema_context(demo.schema_name):
        threads = Thread.objects.annotate(
            published=Count("comments", filter=Q(comments__status="published"))
        )
        assert threads.count() == 3
        for thread in threads:
            assert thread.url.startswith("http://localhost:8001/posts/")
            assert thread.comment_count == thread.published > 0
        assert Comment.objects.filter(status="pending").count() == 2
        assert set(SiteSettings.objects.get().allowed_origins) == {
            "http://localhost:8001",
            "http://127.0.0.1:8001",
            "http://blog.localhost:8001",
        }
    assert "Created the demo site" in capsys.readouterr().out


def test_the_demo_site_follows_the_blog_port_on_a_restart(capsys, monkeypatch):
    monkeypatch.delenv("BLOG_PORT", raising=False)
    call_command("seed_demo")
    demo = Tenant.objects.get(slug="demo")
    with schema_context(demo.schema_name):
        added = [*SiteSettings.objects.get().allowed_origins, "https://added-by-the-owner.example"]
        site_settings_update(allowed_origins=added)  # as the dashboard would

    monkeypatch.setenv("BLOG_PORT", "8301")  # `make demo` with BLOG_PORT=8301
    call_command("seed_demo")
    call_command("seed_demo", blog_port=8301)  # idempotent for that port too
    with schema_context(demo.schema_name):
        origins = set(SiteSettings.objects.get().allowed_origins)
        assert {
            "http://localhost:8301",
            "http://127.0.0.1:8301",
            "http://blog.localhost:8301",
        } <= origins
        assert "https://added-by-the-owner.example" in origins
        moved = Thread.objects.filter(url__startswith="http://localhost:8301/posts/")
        assert moved.count() == 3
        assert all(thread.comment_count > 0 for thread in moved)
    assert "now allows http://localhost:8301" in capsys.readouterr().out
