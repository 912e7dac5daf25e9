"""Host names are case-insensitive: every way a client may write a site's host reaches that
site, and host names are stored lower-case. (The nginx edge's side of it is in
tests/test_nginx_edge.py::test_it_resolves_and_caches_a_host_in_any_case.)"""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from tenants.models import Domain
from tenants.resolution import host_normalize, tenant_for_host
from tenants.setup import public_hosts
from tests.conftest import PAGE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "host",
    [
        "ALPHA.localhost",
        "Alpha.LocalHost:8000",
        "alpha.localhost.",
        "WWW.Alpha.localhost",
    ],
)
def test_a_site_answers_on_its_host_in_any_case(alpha, api, host):
    api.post_comment("Hello in any case")
    client = Client(HTTP_HOST=host)

    thread = client.get("/api/v1/thread", {"url": PAGE})
    login = client.get("/dashboard/login/")

    assert thread.status_code == 200
    assert [c["html"] for c in thread.json()["comments"]] == ["<p>Hello in any case</p>"]
    assert login.status_code == 200 and b"Alpha" in login.content


def test_the_platform_site_answers_on_its_host_in_any_case():
    response = Client(HTTP_HOST="LOCALHOST:8000").get("/")
    assert response.status_code == 200
    assert b"Create your site" in response.content


def test_an_unknown_host_is_unknown_in_any_case():
    assert Client(HTTP_HOST="NOBODY.localhost").get("/").status_code == 404


def test_one_cache_entry_serves_every_spelling(alpha, django_assert_num_queries):
    assert tenant_for_host("alpha.localhost") == alpha
    with django_assert_num_queries(0):
        assert tenant_for_host("ALPHA.LOCALHOST") == alpha
        assert tenant_for_host("Alpha.localhost:8000") == alpha


@pytest.mark.parametrize(
    ("written", "host"),
    [
        ("DEMO.localhost:8000", "demo.localhost"),
        ("Blog.Example.COM.", "blog.example.com"),
        ("[::1]:8000", "[::1]"),
        ("127.0.0.1:8000", "127.0.0.1"),
        ("not a host", ""),
    ],
)
def test_it_normalises_hosts(written, host):
    assert host_normalize(written) == host


def test_domains_are_stored_lower_case_only(alpha):
    with pytest.raises(IntegrityError), transaction.atomic():
        Domain.objects.create(domain="Alpha.Example", tenant=alpha, is_primary=False)
    assert all(d.domain == d.domain.lower() for d in Domain.objects.all())


def test_public_hosts_from_the_environment_are_lower_cased(monkeypatch):
    monkeypatch.setenv("PUBLIC_HOSTS", "Comments.Example.COM, WWW.Comments.example.com:443")
    assert public_hosts() == ["comments.example.com", "www.comments.example.com"]
