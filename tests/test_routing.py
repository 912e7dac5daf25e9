import platform

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from tenants.models import Tenant
from tenants.resolution import forget_hosts, tenant_for_host
from tests.conftest import OWNER_PASSWORD

pytestmark = pytest.mark.django_db


def test_platform_module_is_the_stdlib_one_under_pytest():
    # platform/ holds the Django project but must never shadow the stdlib module.
    assert platform.python_version().startswith("3.")


def test_the_public_host_serves_the_landing_page(public_client):
    response = public_client.get("/")
    assert response.status_code == 200
    assert b"Create your site" in response.content


def test_a_site_root_redirects_to_its_dashboard_login(client_for, alpha):
    client = client_for(alpha)
    assert client.get("/")["Location"] == "/dashboard/"
    response = client.get("/dashboard/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/dashboard/login/")
    assert response.status_code == 200
    assert b"Alpha" in response.content


def test_an_unknown_host_gets_a_404_page(client):
    response = client.get("/", HTTP_HOST="nobody.localhost")
    assert response.status_code == 404
    assert b"No site here" in response.content


def test_a_suspended_site_is_not_served(client_for, alpha):
    Tenant.objects.filter(pk=alpha.pk).update(active=False)
    assert client_for(alpha).get("/").status_code == 404


def test_a_repeated_host_lookup_runs_no_sql(alpha, django_assert_num_queries):
    assert tenant_for_host("alpha.localhost") == alpha
    with django_assert_num_queries(0):
        assert tenant_for_host("alpha.localhost") == alpha


def test_a_process_meeting_a_host_first_takes_the_young_copy_in_redis(
    alpha, django_assert_num_queries
):
    assert tenant_for_host("alpha.localhost") == alpha  # the database, leaving a copy
    forget_hosts()  # as a process that has not met the host yet
    with django_assert_num_queries(0):
        assert tenant_for_host("alpha.localhost") == alpha


def test_a_copy_older_than_the_cache_time_is_not_taken(alpha, settings, django_assert_num_queries):
    assert tenant_for_host("alpha.localhost") == alpha
    forget_hosts()
    settings.TENANT_CACHE_SECONDS = 0  # every copy is now too old to stand for the database
    with django_assert_num_queries(1):
        assert tenant_for_host("alpha.localhost") == alpha


def test_an_unknown_host_is_not_cached(db):
    assert tenant_for_host("later.localhost") is None
    from tenants.services import site_create

    site_create(slug="later", name="Later", owner_email="me@later.example")
    assert tenant_for_host("later.localhost") is not None


def test_the_owner_can_log_into_their_own_dashboard(client_for, alpha):
    client = client_for(alpha)
    response = client.post(
        "/dashboard/login/",
        {"username": "owner@alpha.example", "password": OWNER_PASSWORD},
    )
    assert response.status_code == 302
    page = client.get("/dashboard/")
    assert page.status_code == 200
    assert b"https://alpha.example" in page.content


def test_it_rejects_foreign_tenant_credentials(client_for, alpha, beta):
    # Alice's owner account exists only in alpha's schema: it is worthless on beta.
    client = client_for(beta)
    response = client.post(
        "/dashboard/login/",
        {"username": "owner@alpha.example", "password": OWNER_PASSWORD},
    )
    assert response.status_code == 200  # the form again, with an error
    assert client.get("/dashboard/").status_code == 302


def test_data_created_on_one_tenant_is_invisible_on_another(client_for, alpha, beta):
    with schema_context(alpha.schema_name):
        get_user_model().objects.create_user(
            username="mod@alpha.example", password="pw-123456789", is_staff=True
        )
    with schema_context(beta.schema_name):
        assert not get_user_model().objects.filter(username="mod@alpha.example").exists()
    # And a session made on alpha's host does not open beta's dashboard.
    client = client_for(alpha)
    client.post("/dashboard/login/", {"username": "mod@alpha.example", "password": "pw-123456789"})
    assert client.get("/dashboard/").status_code == 200
    cookie = client.cookies["sessionid"].value
    foreign = client_for(beta)
    foreign.cookies["sessionid"] = cookie
    assert foreign.get("/dashboard/").status_code == 302
