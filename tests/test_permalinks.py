"""The site's permalink pattern: validated, set from the dashboard and the admin API, audited,
and used by every link to a comment (reply e-mails, feeds, webhooks, the dashboard)."""

import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from core.permalinks import (
    DEFAULT_PERMALINK_PATTERN,
    permalink_format,
    permalink_pattern_validate,
)
from embed.models import AuditEntry, Comment, SiteSettings
from embed.site import comment_permalink, site_settings_update
from embed.webhooks.services import comment_payload
from tests.conftest import PAGE, Api
from tests.mailsink import parts
from tests.test_admin_api import send
from tests.test_dashboard import settings_form
from tests.test_notifications import post, subscribe_confirmed

CUSTOM = "https://alpha.example/comments/{id}?from={url}"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize(
    "pattern",
    [
        DEFAULT_PERMALINK_PATTERN,
        "{url}#c{id}",
        "https://alpha.example/c/{id}",
        "{url}?comment={id}#comments",
        "https://alpha.example/c/{{literal}}/{id}",
    ],
)
def test_it_accepts_patterns_that_make_a_url_with_the_id(pattern):
    permalink_pattern_validate(pattern)


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("{url}", "must contain {id}"),
        ("{url}#comment", "must contain {id}"),
        ("#comment-{id}", "absolute http(s) URL"),
        ("javascript:alert({id})", "absolute http(s) URL"),
        ("{url}#{comment}-{id}", "Unknown field {comment}"),
        ("{url.__class__}#{id}", "Unknown field {url.__class__}"),
        ("{0}#{id}", "Unknown field {0}"),
        ("{url}#{id:>8}", "without a format or conversion"),
        ("{url}#{id!r}", "without a format or conversion"),
        ("{url}#comment-{id", "Unbalanced braces"),
        ("{url}#comment-}{id}", "Unbalanced braces"),
    ],
)
def test_it_refuses_patterns_that_cannot_make_a_comments_link(pattern, message):
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        permalink_pattern_validate(pattern)


def test_it_formats_the_link_and_falls_back_to_the_default_for_a_bad_pattern():
    page = "https://alpha.example/p?x=1"
    assert permalink_format(DEFAULT_PERMALINK_PATTERN, url=page, comment_id=7) == (
        "https://alpha.example/p?x=1#comment-7"
    )
    assert permalink_format("https://a.example/c/{id}", url=page, comment_id=7) == (
        "https://a.example/c/7"
    )
    # Never stored (the model validates), but a mail must not break on one nor leak attributes.
    assert permalink_format("{url.__class__}{id}", url=page, comment_id=7).endswith("#comment-7")


def test_a_new_site_uses_the_default_pattern(alpha):
    with schema_context(alpha.schema_name):
        assert SiteSettings.objects.get().permalink_pattern == "{url}#comment-{id}"
        assert comment_permalink(url=PAGE, comment_id=3) == f"{PAGE}#comment-3"


def test_owners_set_the_pattern_in_the_admin_api_validated_and_audited(staff_client, alpha):
    owner = staff_client(alpha)
    assert owner.get("/api/v1/admin/settings").json()["permalink_pattern"] == (
        DEFAULT_PERMALINK_PATTERN
    )
    for bad in ("{url}", "#c-{id}", "{url}#{name}-{id}", 12):
        answer = send(owner, "PATCH", "/api/v1/admin/settings", {"permalink_pattern": bad})
        assert answer.status_code == 400, bad
        assert "permalink_pattern" in answer.json()["error"]["fields"], bad
    answer = send(owner, "PATCH", "/api/v1/admin/settings", {"permalink_pattern": CUSTOM})
    assert answer.status_code == 200 and answer.json()["permalink_pattern"] == CUSTOM
    with schema_context(alpha.schema_name):
        entry = AuditEntry.objects.filter(action="settings").latest("created")
        assert entry.detail["permalink_pattern"] == CUSTOM


def test_a_moderator_cannot_change_the_pattern(staff_client, alpha):
    moderator = staff_client(alpha, role="moderator")
    answer = send(moderator, "PATCH", "/api/v1/admin/settings", {"permalink_pattern": CUSTOM})
    assert answer.status_code == 403
    with schema_context(alpha.schema_name):
        assert SiteSettings.objects.get().permalink_pattern == DEFAULT_PERMALINK_PATTERN


def test_the_dashboard_settings_form_sets_validates_and_resets_the_pattern(staff_client, alpha):
    owner = staff_client(alpha)
    assert 'name="permalink_pattern"' in owner.get("/dashboard/settings/").content.decode()
    bad = owner.post("/dashboard/settings/", settings_form(permalink_pattern="{url}#c"))
    assert bad.status_code == 400
    error = bad.content.decode().split('id="id_permalink_pattern_error"', 1)[1]
    assert "must contain {id}" in error.split("</ul>", 1)[0]
    ok = owner.post("/dashboard/settings/", settings_form(permalink_pattern=CUSTOM))
    assert ok.status_code == 302
    with schema_context(alpha.schema_name):
        assert SiteSettings.objects.get().permalink_pattern == CUSTOM
    # Emptied, it goes back to the default.
    assert owner.post("/dashboard/settings/", settings_form()).status_code == 302
    with schema_context(alpha.schema_name):
        assert SiteSettings.objects.get().permalink_pattern == DEFAULT_PERMALINK_PATTERN


def custom_link(comment_id: int) -> str:
    return CUSTOM.format(url=PAGE, id=comment_id)


def test_the_dashboard_links_to_the_comment_by_the_pattern(staff_client, alpha):
    comment = Api(alpha).post_comment("Find me on the page").json()
    with schema_context(alpha.schema_name):
        site_settings_update(permalink_pattern=CUSTOM)
    page = staff_client(alpha).get("/dashboard/queue/", {"status": "published"})
    assert f'href="{custom_link(comment["id"])}"'.replace("&", "&amp;") in page.content.decode()


def test_feeds_link_to_comments_by_the_pattern_of_their_own_site_only(api, alpha, beta):
    first = api.post_comment("On alpha").json()
    Api(beta).post_comment("On beta", url="https://beta.example/posts/hello")
    with schema_context(alpha.schema_name):
        site_settings_update(permalink_pattern=CUSTOM)
    for client, host_page, expected in (
        (api.client, PAGE, custom_link(first["id"])),
        (Api(beta).client, "https://beta.example/posts/hello", None),
    ):
        response = client.get("/feeds/thread.atom", {"url": host_page})
        assert response.status_code == 200, response.content
        root = ET.fromstring(response.content)  # noqa: S314 - our own server's answer
        links = [
            link.get("href", "")
            for entry in root.findall(f"{ATOM}entry")
            if (link := entry.find(f"{ATOM}link")) is not None
        ]
        if expected is not None:
            assert links == [expected]
        else:  # beta keeps the default
            assert len(links) == 1 and links[0].startswith(f"{host_page}#comment-")


def test_reply_emails_link_to_the_comment_by_the_pattern(api, alpha, eager, mail_sink):
    mine = subscribe_confirmed(api, eager, mail_sink)
    with schema_context(alpha.schema_name):
        site_settings_update(permalink_pattern=CUSTOM)
    reply = post(Api(alpha), eager, "A reply", parent=mine["id"], author_name="Bob")
    (message,) = mail_sink.wait_for(lambda got: len(got) == 1)
    text, html = parts(message)
    link = custom_link(reply["id"])
    assert link in text
    assert f'href="{link}"'.replace("&", "&amp;") in html
    assert f"#comment-{reply['id']}" not in text


def test_webhook_payloads_link_to_the_comment_by_the_pattern(api, alpha):
    created = api.post_comment("Hello hooks").json()
    with schema_context(alpha.schema_name):
        site_settings_update(permalink_pattern="https://alpha.example/c/{id}")
        comment = Comment.objects.select_related("thread", "author").get(pk=created["id"])
        assert comment_payload(comment)["url"] == f"https://alpha.example/c/{created['id']}"
