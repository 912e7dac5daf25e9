"""Custom domains: an owner adds a host, proves it with a TXT record, and the site answers on
it; until then, and after removal, the host answers nothing. DNS is the fake resolver of
tests/fake_dns.py; everything else is the real app through the Django test client."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_tenants.utils import schema_context

from embed.models import AuditEntry
from tenants import domains
from tenants.models import Domain, DomainClaim, Tenant
from tests import fake_dns
from tests.conftest import PAGE

pytestmark = pytest.mark.django_db
HOST = "comments.alpha-blog.example"


@pytest.fixture
def dns(settings, monkeypatch, tmp_path: Path) -> Path:
    settings.DOMAIN_TXT_RESOLVER = "tests.fake_dns.txt_records"
    path = tmp_path / "dns.json"
    monkeypatch.setenv("FAKE_DNS_FILE", str(path))
    return path


def thread_on(host: str) -> int:
    return Client(HTTP_HOST=host).get("/api/v1/thread", {"url": PAGE}).status_code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Comments.Example.COM", "comments.example.com"),
        ("comments.example.com.", "comments.example.com"),
        ("kommentare.bücher.example", "kommentare.xn--bcher-kva.example"),
    ],
)
def test_host_names_are_stored_in_one_spelling(raw: str, expected: str) -> None:
    assert domains.host_validate(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "localhost", "https://comments.example.com/", "comments.example.com:8443",
     "10.0.0.1", "[::1]", "-bad-.example.com", "a..example.com", "x" * 64 + ".example.com",
     "alpha.localhost", "user@example.com", "comments example.com"],
)  # fmt: skip
def test_what_is_not_a_host_name_of_ones_own_is_refused(raw: str) -> None:
    with pytest.raises(ValidationError) as refused:
        domains.host_validate(raw)
    assert "host" in refused.value.message_dict


def test_an_owner_proves_a_host_and_the_site_answers_on_it(
    alpha: Tenant, staff_client, dns: Path
) -> None:
    owner = staff_client(alpha)
    assert thread_on(HOST) == 404
    response = owner.post("/dashboard/domains/", {"host": HOST.upper()}, follow=True)
    assert response.status_code == 200
    claim = DomainClaim.objects.get(tenant=alpha)
    assert claim.host == HOST
    page = response.content.decode()
    assert f"_palaver-challenge.{HOST}" in page and f"palaver-verify={claim.token}" in page
    assert "CNAME" in page and "alpha.localhost" in page

    # Not yet in DNS: the check says why and the host still answers nothing.
    owner.post(f"/dashboard/domains/{claim.pk}/check/")
    claim.refresh_from_db()
    assert claim.verified is None and "No TXT record" in claim.failure
    assert thread_on(HOST) == 404
    fake_dns.publish(dns, f"_palaver-challenge.{HOST}", "palaver-verify=someone-else")
    owner.post(f"/dashboard/domains/{claim.pk}/check/")
    claim.refresh_from_db()
    assert claim.verified is None and "does not hold" in claim.failure

    fake_dns.publish(dns, f"_palaver-challenge.{HOST}", "v=other", f"palaver-verify={claim.token}")
    owner.post(f"/dashboard/domains/{claim.pk}/check/")
    claim.refresh_from_db()
    assert claim.verified is not None and claim.failure == ""
    assert thread_on(HOST) == 200
    assert Client(HTTP_HOST=HOST).get("/embed.js").status_code == 200
    page = owner.get("/dashboard/domains/").content.decode()
    assert f"http://{HOST}" in page and "/embed.js" in page  # the snippet for the new host
    with schema_context(alpha.schema_name):
        assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
            "domain.add", "domain.verify"
        }  # fmt: skip

    owner.post(f"/dashboard/domains/{claim.pk}/remove/")
    assert not DomainClaim.objects.filter(pk=claim.pk).exists()
    assert not Domain.objects.filter(domain=HOST).exists()
    assert thread_on(HOST) == 404


def test_another_sites_claim_is_out_of_reach_and_a_proven_host_stays_with_its_site(
    alpha: Tenant, beta: Tenant, staff_client, dns: Path
) -> None:
    claim = domains.claim_add(tenant=alpha, host=HOST)
    rival = domains.claim_add(tenant=beta, host=HOST)  # may claim; cannot prove
    bob = staff_client(beta)
    assert f"palaver-verify={claim.token}" not in bob.get("/dashboard/domains/").content.decode()
    for action in ("check", "remove"):
        assert bob.post(f"/dashboard/domains/{claim.pk}/{action}/").status_code == 404
    assert DomainClaim.objects.filter(pk=claim.pk).exists()

    fake_dns.publish(dns, f"_palaver-challenge.{HOST}", f"palaver-verify={claim.token}")
    assert domains.claim_verify(rival) is False  # beta's token is not the one published
    assert domains.claim_verify(claim) is True
    with pytest.raises(ValidationError):
        domains.claim_add(tenant=beta, host=HOST + ".")  # answers for a site already
    fake_dns.publish(dns, f"_palaver-challenge.{HOST}", f"palaver-verify={rival.token}")
    assert domains.claim_verify(rival) is False
    rival.refresh_from_db()
    assert rival.failure == "Another site proved this host first."
    assert Domain.objects.get(domain=HOST).tenant == alpha


def test_moderators_cannot_manage_domains_and_the_periodic_job_verifies(
    alpha: Tenant, staff_client, dns: Path
) -> None:
    moderator = staff_client(alpha, role="moderator")
    assert moderator.get("/dashboard/domains/").status_code == 403
    assert moderator.post("/dashboard/domains/", {"host": HOST}).status_code == 403
    claim = domains.claim_add(tenant=alpha, host=HOST)
    assert domains.claims_check_pending() == 0
    fake_dns.publish(dns, f"_palaver-challenge.{HOST}", f"palaver-verify={claim.token}")
    assert domains.claims_check_pending() == 1
    assert thread_on(HOST) == 200
