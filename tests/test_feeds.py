"""Atom feeds of a thread and of the site: published comments only, with ETag and
Last-Modified, and conditional GETs answered 304."""

import xml.etree.ElementTree as ET

import pytest
from django_tenants.utils import schema_context

from embed.models import Comment
from embed.site import site_settings_update
from tests.conftest import PAGE, Api

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response) -> list[ET.Element]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)  # noqa: S314 - our own server's answer
    return root.findall(f"{ATOM}entry")


def text_of(entry: ET.Element, tag: str) -> str:
    found = entry.find(f"{ATOM}{tag}")
    assert found is not None and found.text is not None
    return found.text


def test_a_threads_feed_has_its_published_comments_newest_first(api, alpha):
    first = api.post_comment("First **comment**").json()
    second = Api(alpha).post_comment("Second", author_name="Bea").json()
    Api(alpha).post_comment("Elsewhere", url="https://alpha.example/other")
    with schema_context(alpha.schema_name):
        site_settings_update(moderation_mode="pre")
    held = Api(alpha).post_comment("Held back").json()
    assert held["status"] == "pending"
    response = api.client.get("/feeds/thread.atom", {"url": PAGE})
    found = entries(response)
    assert [link.get("href") for e in found if (link := e.find(f"{ATOM}link")) is not None] == [
        f"{PAGE}#comment-{second['id']}",
        f"{PAGE}#comment-{first['id']}",
    ]
    assert text_of(found[0], "title") == f"Bea on {PAGE}"
    assert "<strong>comment</strong>" in text_of(found[1], "summary")
    assert b"Held back" not in response.content and b"Elsewhere" not in response.content


def test_the_sites_feed_spans_pages_and_hides_removed_and_shadowed(api, alpha, beta):
    kept = api.post_comment("Kept").json()
    gone = Api(alpha).post_comment("Removed later", url="https://alpha.example/b").json()
    with schema_context(alpha.schema_name):
        Comment.objects.filter(pk=gone["id"]).update(status=Comment.Status.DELETED)
        Comment.objects.filter(pk=kept["id"]).update(shadowed=False)
    Api(beta).post_comment("On beta", url="https://beta.example/p")
    response = api.client.get("/feeds/comments.atom")
    text = response.content.decode()
    assert len(entries(response)) == 1 and "Kept" in text
    assert "Removed later" not in text and "On beta" not in text


def test_conditional_gets_are_answered_304_until_a_comment_changes_the_feed(api, alpha):
    api.post_comment("One")
    response = api.client.get("/feeds/thread.atom", {"url": PAGE})
    etag, modified = response["ETag"], response["Last-Modified"]
    again = api.client.get("/feeds/thread.atom", {"url": PAGE}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    since = api.client.get("/feeds/thread.atom", {"url": PAGE}, HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304
    api.post_comment("Two")
    changed = api.client.get("/feeds/thread.atom", {"url": PAGE}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert len(entries(changed)) == 2


def test_a_page_of_the_site_without_comments_has_an_empty_feed(api):
    """The widget links to the feed from the start, so a reader can follow a page before
    its first comment."""
    empty = api.client.get("/feeds/thread.atom", {"url": "https://alpha.example/none"})
    assert empty.status_code == 200
    assert empty["Content-Type"].startswith("application/atom+xml")
    assert entries(empty) == []
    assert b"https://alpha.example/none" in empty.content


def test_a_page_of_another_origin_or_a_bad_url_is_a_clear_4xx(api):
    foreign = api.client.get("/feeds/thread.atom", {"url": "https://elsewhere.example/none"})
    assert foreign.status_code == 404 and foreign.json()["error"]["code"] == "not_found"
    bad = api.client.get("/feeds/thread.atom", {"url": "not a url"})
    assert bad.status_code == 400 and "url" in bad.json()["error"]["fields"]
    assert api.client.post("/feeds/comments.atom").status_code == 405
