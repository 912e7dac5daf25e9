"""The dashboard's readers page: find a reader on request, see and download what the site
holds about them, erase it after typing the confirmation; audited; one site's moderators
never see another site's readers."""

import json

import pytest
from django_tenants.utils import schema_context

from embed.models import AuditEntry, Comment, Commenter
from tests.conftest import Api, host_of

pytestmark = pytest.mark.django_db


def reader_with_comment(tenant, body: str = "Please forget me") -> tuple[Api, int]:
    api = Api(tenant)
    answer = api.post_comment(
        body, url=f"https://{tenant.slug}.example/posts/p", author_email="ann@example.org"
    )
    assert answer.status_code == 201, answer.content
    with schema_context(tenant.schema_name):
        return api, Comment.objects.get(pk=answer.json()["id"]).author_id


def test_a_moderator_finds_a_reader_by_email_name_or_id(alpha, staff_client):
    _, reader = reader_with_comment(alpha)
    moderator = staff_client(alpha, role="moderator")
    for q in ("ann@example.org", "Ann", f"#{reader}"):
        page = moderator.get("/dashboard/readers/", {"q": q})
        assert page.status_code == 200
        assert f'href="/dashboard/readers/{reader}/"' in page.content.decode(), q
    assert (
        "No reader matches" in moderator.get("/dashboard/readers/", {"q": "zed"}).content.decode()
    )


def test_the_reader_page_shows_what_is_held_and_downloads_it(alpha, staff_client):
    _, reader = reader_with_comment(alpha)
    owner = staff_client(alpha)
    page = owner.get(f"/dashboard/readers/{reader}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "ann@example.org" in html and "Please forget me" in html
    download = owner.get(f"/dashboard/readers/{reader}/export.json")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="reader-{reader}.json"'
    data = json.loads(download.content)
    # The same document as the admin API's, whose schema the suite checks.
    from_api = owner.get(f"/api/v1/admin/readers/{reader}").json()
    assert data.keys() == from_api.keys()
    assert {**data, "exported": None} == {**from_api, "exported": None}
    assert data["reader"]["email"] == "ann@example.org"
    assert [c["body"] for c in data["comments"]] == ["Please forget me"]
    with schema_context(alpha.schema_name):
        assert AuditEntry.objects.filter(action="reader_export", target=f"reader {reader}").exists()


def test_erasing_needs_the_typed_confirmation(alpha, staff_client):
    api, reader = reader_with_comment(alpha)
    owner = staff_client(alpha)
    refused = owner.post(f"/dashboard/readers/{reader}/erase/", {"confirm": "yes"})
    assert refused.status_code == 400
    assert "to erase this reader" in refused.content.decode()
    with schema_context(alpha.schema_name):
        assert Commenter.objects.filter(pk=reader).exists()

    done = owner.post(f"/dashboard/readers/{reader}/erase/", {"confirm": "erase"}, follow=True)

    assert done.status_code == 200 and f"Erased reader {reader}" in done.content.decode()
    with schema_context(alpha.schema_name):
        assert not Commenter.objects.filter(pk=reader).exists()
        entry = AuditEntry.objects.get(action="reader_erase")
        assert entry.actor is not None and entry.detail["comments_removed"] == 1
    assert api.get("/api/v1/me/export").status_code == 401
    assert owner.get(f"/dashboard/readers/{reader}/").status_code == 404
    audit = owner.get("/dashboard/audit/").content.decode()
    assert f"reader {reader}" in audit


def test_the_pages_need_a_team_member(alpha, client_for):
    _, reader = reader_with_comment(alpha)
    anonymous = client_for(alpha)
    for path in ("/dashboard/readers/", f"/dashboard/readers/{reader}/"):
        assert anonymous.get(path).status_code == 302
    assert (
        anonymous.post(f"/dashboard/readers/{reader}/erase/", {"confirm": "erase"}).status_code
        == 302
    )
    with schema_context(alpha.schema_name):
        assert Commenter.objects.filter(pk=reader).exists()


def test_a_moderator_of_a_cannot_see_or_erase_readers_of_b(alpha, beta, staff_client):
    _, betas = reader_with_comment(beta, "Beta's reader")
    alpha_owner = staff_client(alpha)
    listing = alpha_owner.get("/dashboard/readers/", {"q": "ann@example.org"}).content.decode()
    assert "Beta" not in listing
    with schema_context(alpha.schema_name):
        assert not Commenter.objects.filter(pk=betas).exists()
    assert alpha_owner.get(f"/dashboard/readers/{betas}/").status_code == 404
    erased = alpha_owner.post(f"/dashboard/readers/{betas}/erase/", {"confirm": "erase"})
    assert erased.status_code == 404
    # The session of alpha's owner means nothing on beta's host.
    alpha_owner.defaults["HTTP_HOST"] = host_of(beta)
    assert alpha_owner.get(f"/dashboard/readers/{betas}/").status_code == 302
    with schema_context(beta.schema_name):
        assert Commenter.objects.filter(pk=betas).exists()
