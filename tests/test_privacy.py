"""Readers' data rights: a reader exports and erases what the site holds about them with
their commenter token (/api/v1/me/...), and moderators do the same on a request (admin API).
Erased comments with replies stay as empty placeholders, the rest go; votes come off the
scores; subscriptions, identities and the reader go; the token is worthless after."""

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from embed.models import (
    AuditEntry,
    Comment,
    Commenter,
    Flag,
    MailAddress,
    ReaderIdentity,
    Subscription,
    Thread,
    Vote,
    Webhook,
    WebhookDelivery,
)
from embed.moderation.actions import comment_moderate
from tests.conftest import PAGE, Api, host_of
from tests.test_admin_api import send
from tests.test_api_tokens import token_for, with_token

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/me/export"
ERASE = "/api/v1/me/erase"
CONFIRM = {"confirm": "erase"}


def posted(api: Api, body: str, **fields) -> int:
    answer = api.post_comment(body, **fields)
    assert answer.status_code == 201, answer.content
    return answer.json()["id"]


def erase(api: Api):
    return api.send("POST", ERASE, CONFIRM)


def subscribe(tenant, email: str, comment_id: int | None, thread_url: str = PAGE) -> None:
    with schema_context(tenant.schema_name):
        address, _ = MailAddress.objects.get_or_create(email=email)
        thread = Thread.objects.get(url=thread_url)
        Subscription.objects.create(address=address, thread=thread, comment_id=comment_id)


def test_the_export_holds_what_the_site_knows_of_the_reader(api, alpha):
    mine = posted(api, "My **first** words", author_email="Ann@Example.org")
    other = Api(alpha)
    theirs = posted(other, "Another reader's", author_name="Bob")
    assert api.send("POST", f"/api/v1/comments/{theirs}/vote", {"value": 1}).status_code == 200
    flagged = api.send("POST", f"/api/v1/comments/{theirs}/flag", {"reason": "off_topic"})
    assert flagged.status_code == 200
    subscribe(alpha, "ann@example.org", mine)

    answer = api.get(EXPORT)

    assert answer.status_code == 200, answer.content
    assert answer["Content-Disposition"].startswith("attachment")
    assert answer["Cache-Control"] == "no-store"
    data = answer.json()
    assert data["reader"]["name"] == "Ann"
    assert data["reader"]["email"] == "ann@example.org"
    assert [c["id"] for c in data["comments"]] == [mine]
    comment = data["comments"][0]
    assert comment["url"] == PAGE and comment["body"] == "My **first** words"
    assert "<strong>first</strong>" in comment["html"] and comment["status"] == "published"
    assert comment["created"] and comment["ip"]
    assert [(v["comment"], v["value"]) for v in data["votes"]] == [(theirs, 1)]
    assert [(f["comment"], f["reason"]) for f in data["flags"]] == [(theirs, "off_topic")]
    assert [(s["email"], s["comment"]) for s in data["subscriptions"]] == [
        ("ann@example.org", mine)
    ]
    assert [a["email"] for a in data["mail_addresses"]] == ["ann@example.org"]
    assert data["token"]["issued"] < data["token"]["expires"]
    # Never a secret: not the token itself, nor anything that could be replayed.
    assert api.token not in answer.content.decode()


def test_a_guest_does_not_see_subscriptions_of_an_address_they_only_typed(api, alpha):
    # Someone else follows a thread with this address; a guest who types it sees none of it.
    victim = Api(alpha)
    posted(victim, "Victim's", url="https://alpha.example/posts/other", author_name="Vic")
    subscribe(alpha, "vic@example.org", None, thread_url="https://alpha.example/posts/other")
    posted(api, "Mine", author_email="vic@example.org")
    assert api.get(EXPORT).json()["subscriptions"] == []
    assert erase(api).json()["subscriptions"] == 0
    with schema_context(alpha.schema_name):
        assert Subscription.objects.filter(address__email="vic@example.org").count() == 1


def test_a_signed_in_readers_export_lists_their_identities(api, alpha):
    with schema_context(alpha.schema_name):
        reader = Commenter.objects.create(name="Sso Sam", email="sam@example.org", badge="member")
        ReaderIdentity.objects.create(
            commenter=reader, kind="sso", subject="u-42", email=reader.email
        )
        from embed.tokens import commenter_token_issue

        api.token = commenter_token_issue(reader.pk)
    data = api.get(EXPORT).json()
    assert [(i["kind"], i["subject"]) for i in data["identities"]] == [("sso", "u-42")]
    assert data["reader"]["badge"] == "member"


def test_export_and_erase_need_a_token(api):
    assert api.get(EXPORT).status_code == 401
    assert erase(api).status_code == 401
    assert api.get(EXPORT, token="forged").status_code == 401


def test_erase_needs_the_explicit_confirmation(api, alpha):
    mine = posted(api, "Keep me for now")
    for body in ({}, {"confirm": "yes"}, {"confirm": True}, "[]"):
        answer = api.send("POST", ERASE, body)
        assert answer.status_code == 400, (body, answer.content)
        assert answer.json()["error"]["code"] == "invalid"
    with schema_context(alpha.schema_name):
        assert Comment.objects.filter(pk=mine).exists()


def test_erase_removes_a_comment_without_replies(api, alpha):
    mine = posted(api, "Nobody answers this")
    assert api.thread().json()["thread"]["comment_count"] == 1

    answer = erase(api)

    assert answer.status_code == 200, answer.content
    assert answer.json()["comments_removed"] == 1
    assert answer.json()["comments_kept_as_placeholders"] == 0
    with schema_context(alpha.schema_name):
        assert not Comment.objects.filter(pk=mine).exists()
    page = api.thread().json()  # the cached page moved on after COMMIT
    assert page["comments"] == [] and page["thread"]["comment_count"] == 0


def test_erase_leaves_a_placeholder_where_others_replied(api, alpha):
    mine = posted(api, "Answer me", author_email="ann@example.org")
    own_reply = posted(api, "And a note of mine", parent=mine)
    other = Api(alpha)
    reply = posted(other, "Here is an answer", author_name="Bob", parent=mine)
    assert api.thread().json()["thread"]["comment_count"] == 3

    answer = erase(api)

    assert answer.json()["comments_removed"] == 1  # the own reply below
    assert answer.json()["comments_kept_as_placeholders"] == 1
    page = api.thread().json()
    assert page["thread"]["comment_count"] == 1
    [placeholder] = page["comments"]
    assert placeholder["id"] == mine and placeholder["deleted"] is True
    assert placeholder["html"] == "" and placeholder["author"]["name"] == ""
    assert [r["id"] for r in placeholder["replies"]] == [reply]
    with schema_context(alpha.schema_name):
        kept = Comment.objects.select_related("author").get(pk=mine)
        assert kept.body == kept.body_html == "" and kept.ip is None
        assert kept.status == Comment.Status.DELETED
        assert kept.author.name == kept.author.email == ""
        assert not Comment.objects.filter(pk=own_reply).exists()
        assert not Commenter.objects.filter(email="ann@example.org").exists()
    # A moderator cannot bring an erased comment back.
    with schema_context(alpha.schema_name):
        owner = get_user_model().objects.get(email="owner@alpha.example")
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            comment_moderate(comment=kept, action="restore", actor=owner)


def test_after_erasure_the_token_is_worthless(api, alpha):
    mine = posted(api, "Soon gone")
    token = api.token
    erase(api)
    for answer in (
        api.get(EXPORT),
        erase(api),
        api.send("PATCH", f"/api/v1/comments/{mine}", {"body": "back?"}),
        api.get("/api/v1/thread/me", {"url": PAGE}),
    ):
        assert answer.status_code == 401, answer.content
        assert answer.json()["error"]["code"] == "authentication_failed"
    # A new post with the old token is refused, not quietly tied to a new reader.
    assert api.post_comment("I'm back", token=token).status_code == 401


def test_erase_takes_votes_off_the_scores_and_removes_flags_and_networks(api, alpha):
    posted(api, "Gives me a known reader")
    other = Api(alpha)
    theirs = posted(other, "Vote on me", author_name="Bob")
    api.send("POST", f"/api/v1/comments/{theirs}/vote", {"value": 1})
    api.send("POST", f"/api/v1/comments/{theirs}/flag", {"reason": "spam"})
    assert api.thread().json()["comments"][1]["score"] == 1
    with schema_context(alpha.schema_name):
        reader = Comment.objects.get(body="Gives me a known reader").author_id

    answer = erase(api).json()

    assert answer["votes"] == 1 and answer["flags"] == 1
    with schema_context(alpha.schema_name):
        assert Comment.objects.get(pk=theirs).score == 0
        assert not Vote.objects.filter(commenter_id=reader).exists()
        assert not Flag.objects.filter(commenter_id=reader).exists()
        # No comment of theirs keeps a network.
        assert not Comment.objects.filter(author_id=reader).exists()
    [comment] = api.thread().json()["comments"]
    assert comment["id"] == theirs and comment["score"] == 0


def test_erased_comments_reach_webhooks_without_their_text(api, alpha):
    with schema_context(alpha.schema_name):
        hook = Webhook.objects.create(
            url="https://hooks.example/in", events=["comment.removed"], secret="s" * 32
        )
    mine = posted(api, "Secret words of mine")
    erase(api)
    with schema_context(alpha.schema_name):
        [delivery] = WebhookDelivery.objects.filter(webhook=hook)
    assert delivery.event == "comment.removed"
    assert delivery.payload["data"]["comment"]["id"] == mine
    assert "Secret words" not in json.dumps(delivery.payload)


def test_erase_removes_subscriptions_and_the_address(api, alpha):
    mine = posted(api, "Tell me of replies", author_email="ann@example.org")
    subscribe(alpha, "ann@example.org", mine)
    subscribe(alpha, "ann@example.org", None)
    assert erase(api).json()["subscriptions"] == 2
    with schema_context(alpha.schema_name):
        assert not Subscription.objects.exists()
        assert not MailAddress.objects.filter(email="ann@example.org").exists()


def test_a_bounced_address_keeps_its_suppression(api, alpha):
    mine = posted(api, "Tell me", author_email="ann@example.org")
    subscribe(alpha, "ann@example.org", mine)
    with schema_context(alpha.schema_name):
        MailAddress.objects.update(suppressed_reason="bounce", suppressed="2026-01-01T00:00Z")
    erase(api)
    with schema_context(alpha.schema_name):
        assert not Subscription.objects.exists()
        assert MailAddress.objects.filter(email="ann@example.org").exists()


def test_erase_removes_every_identity_kind(api, alpha):
    with schema_context(alpha.schema_name):
        reader = Commenter.objects.create(name="Sam", email="sam@example.org", badge="member")
        ReaderIdentity.objects.create(commenter=reader, kind="sso", subject="u-1")
        # A kind this site may add later (e-mail links, OIDC): erased the same way.
        ReaderIdentity.objects.create(commenter=reader, kind="oidc", subject="https://id/x")
        from embed.tokens import commenter_token_issue

        api.token = commenter_token_issue(reader.pk)
    assert erase(api).json()["identities"] == 2
    with schema_context(alpha.schema_name):
        assert not ReaderIdentity.objects.exists()


def test_the_readers_erasure_is_audited_by_counts_only(api, alpha):
    posted(api, "Audit me", author_email="ann@example.org")
    erase(api)
    with schema_context(alpha.schema_name):
        entry = AuditEntry.objects.get(action="reader_erase")
    assert entry.actor is None and entry.detail["requested_by"] == "reader"
    assert entry.target.startswith("reader ") and entry.target[7:].isdigit()
    assert entry.detail["comments_removed"] == 1
    assert "ann" not in json.dumps(entry.detail).lower()


def test_a_token_of_site_a_cannot_export_or_erase_on_site_b(api, alpha, beta):
    posted(api, "Alpha's")
    on_beta = Api(beta)
    posted(on_beta, "Beta's", url="https://beta.example/p", author_name="Bea")
    assert api.get(EXPORT, token=api.token).status_code == 200
    assert on_beta.get(EXPORT, token=api.token).status_code == 401
    assert on_beta.send("POST", ERASE, CONFIRM, token=api.token).status_code == 401
    with schema_context(beta.schema_name):
        assert Comment.objects.count() == 1


# The admin API ------------------------------------------------------------------------


def test_a_moderator_finds_exports_and_erases_a_reader(api, alpha, staff_client):
    mine = posted(api, "Erase me please", author_email="ann@example.org")
    moderator = staff_client(alpha, role="moderator")
    with schema_context(alpha.schema_name):
        reader_id = Comment.objects.get(pk=mine).author_id

    for q in ("ann@example", "An", str(reader_id), f"#{reader_id}"):
        found = moderator.get("/api/v1/admin/readers", {"q": q})
        assert found.status_code == 200, found.content
        assert reader_id in [r["id"] for r in found.json()["results"]], q
    for q in ("nobody-at-all", "#99999999999999999999"):
        assert moderator.get("/api/v1/admin/readers", {"q": q}).json()["count"] == 0

    exported = moderator.get(f"/api/v1/admin/readers/{reader_id}")
    assert exported.status_code == 200
    assert exported.json()["comments"][0]["id"] == mine and exported.json()["token"] is None

    refused = send(moderator, "POST", f"/api/v1/admin/readers/{reader_id}/erase", {})
    assert refused.status_code == 400
    erased = send(moderator, "POST", f"/api/v1/admin/readers/{reader_id}/erase", CONFIRM)
    assert erased.status_code == 200 and erased.json()["comments_removed"] == 1
    assert moderator.get(f"/api/v1/admin/readers/{reader_id}").status_code == 404
    assert api.get(EXPORT).status_code == 401
    with schema_context(alpha.schema_name):
        actions = list(AuditEntry.objects.order_by("pk").values_list("action", "target"))
        entry = AuditEntry.objects.get(action="reader_erase")
    assert ("reader_export", f"reader {reader_id}") in actions
    assert entry.actor is not None and entry.actor.email == "moderator@alpha.example"
    assert entry.detail["requested_by"] == "moderator"


def test_readers_data_needs_staff_and_a_moderate_token(api, alpha, client_for):
    posted(api, "Someone")
    with schema_context(alpha.schema_name):
        reader_id = Commenter.objects.get(name="Ann").pk
    assert client_for(alpha).get("/api/v1/admin/readers").status_code == 401
    reading = with_token(alpha, token_for(alpha, "read"))
    assert reading.get("/api/v1/admin/readers").status_code == 403
    assert reading.get(f"/api/v1/admin/readers/{reader_id}").status_code == 403
    moderating = with_token(alpha, token_for(alpha, "moderate"))
    assert moderating.get(f"/api/v1/admin/readers/{reader_id}").status_code == 200


def test_a_moderator_of_a_cannot_see_readers_of_b(api, alpha, beta, staff_client):
    on_beta = Api(beta)
    posted(on_beta, "Beta's reader", url="https://beta.example/p", author_name="Bea")
    with schema_context(beta.schema_name):
        beta_reader = Commenter.objects.get(name="Bea").pk
    alpha_owner = staff_client(alpha)
    found = alpha_owner.get("/api/v1/admin/readers", {"q": "Bea"}).json()
    assert found["count"] == 0
    # Their session means nothing on beta's host, and beta's reader ids nothing on alpha.
    beta_client = staff_client(alpha)
    beta_client.defaults["HTTP_HOST"] = host_of(beta)
    assert beta_client.get("/api/v1/admin/readers").status_code in (401, 403)
    assert alpha_owner.get(f"/api/v1/admin/readers/{beta_reader}").status_code == 404
    erased = send(alpha_owner, "POST", f"/api/v1/admin/readers/{beta_reader}/erase", CONFIRM)
    assert erased.status_code == 404
    with schema_context(beta.schema_name):
        assert Commenter.objects.filter(pk=beta_reader).exists()


def test_a_chain_of_own_replies_above_anothers_reply_stays_whole(api, alpha):
    top = posted(api, "Top of mine")
    middle = posted(api, "Middle of mine", parent=top)
    below = posted(Api(alpha), "Another reader below", author_name="Bob", parent=middle)
    alone = posted(api, "Nothing hangs here", parent=top)
    answer = erase(api).json()
    assert answer["comments_kept_as_placeholders"] == 2 and answer["comments_removed"] == 1
    with schema_context(alpha.schema_name):
        assert set(Comment.objects.values_list("pk", flat=True)) == {top, middle, below}
        assert not Comment.objects.filter(pk=alone).exists()
    [placeholder] = api.thread().json()["comments"]
    assert placeholder["deleted"] and placeholder["replies"][0]["deleted"]
    assert placeholder["replies"][0]["replies"][0]["id"] == below


def test_the_export_costs_the_same_queries_for_one_comment_or_ten(api, alpha):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    posted(api, "One")
    with CaptureQueriesContext(connection) as one:
        assert api.get(EXPORT).status_code == 200
    for n in range(9):
        posted(api, f"More {n}", url=f"https://alpha.example/posts/{n}")
    with CaptureQueriesContext(connection) as ten:
        assert len(api.get(EXPORT).json()["comments"]) == 10
    assert len(ten) == len(one)


def test_a_reader_signed_in_by_email_link_gets_and_loses_their_sign_in_links(api, alpha):
    from embed.models import MagicLink

    with schema_context(alpha.schema_name):
        reader = Commenter.objects.create(name="Eve", email="eve@example.org", badge="member")
        ReaderIdentity.objects.create(
            commenter=reader, kind="email", subject="eve@example.org", email="eve@example.org"
        )
        MagicLink.objects.create(email="eve@example.org", url=PAGE, digest="d" * 64)
        MagicLink.objects.create(email="someone@example.org", url=PAGE)
        from embed.tokens import commenter_token_issue

        api.token = commenter_token_issue(reader.pk)
    answer = api.get(EXPORT)
    assert [link["email"] for link in answer.json()["sign_in_links"]] == ["eve@example.org"]
    assert "d" * 64 not in answer.content.decode()
    assert erase(api).json()["identities"] == 1
    with schema_context(alpha.schema_name):
        assert list(MagicLink.objects.values_list("email", flat=True)) == ["someone@example.org"]
        assert not ReaderIdentity.objects.exists()


def test_a_guest_sees_no_sign_in_links_of_an_address_they_typed(api, alpha):
    from embed.models import MagicLink

    posted(api, "Typed someone's address", author_email="eve@example.org")
    with schema_context(alpha.schema_name):
        MagicLink.objects.create(email="eve@example.org", url=PAGE)
    assert api.get(EXPORT).json()["sign_in_links"] == []
    erase(api)
    with schema_context(alpha.schema_name):
        assert MagicLink.objects.count() == 1


@pytest.mark.parametrize("gone", ["author", "parent"])
def test_a_write_whose_reader_or_parent_goes_away_meanwhile_is_a_409(
    api: Api, alpha, monkeypatch, gone: str
):
    # The race: the token (or the parent) was checked, then an erasure committed before the
    # comment's INSERT. Constraints are checked at once here, as they are at a real COMMIT.
    from django.db import connection

    from embed.api import comments as comments_api

    api.post_comment("First, as a guest")
    parent_id = api.post_comment("The parent").json()["id"]
    with schema_context(alpha.schema_name):
        stale_author = Commenter.objects.get(name="Ann")
        stale_parent = Comment.objects.select_related("parent").get(pk=parent_id)
    if gone == "author":
        monkeypatch.setattr(comments_api, "commenter_from_request", lambda *a, **k: stale_author)
        victim: Any = stale_author
        payload = {}
    else:
        from embed import services

        real_filter = Comment.objects.select_related
        monkeypatch.setattr(
            services.Comment.objects, "select_related",
            lambda *a: _Stale(stale_parent) if a == ("parent",) else real_filter(*a),
        )  # fmt: skip
        victim = stale_parent
        payload = {"parent": parent_id}
    with schema_context(alpha.schema_name), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if gone == "author":  # as an erasure leaves it: the reader and their comments gone
            Comment.objects.filter(author=victim).delete()
        type(victim).objects.filter(pk=victim.pk).delete()
    response = api.post_comment("Posted as it went away", **payload)
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "conflict"
    with schema_context(alpha.schema_name):
        assert not Comment.objects.filter(body="Posted as it went away").exists()


class _Stale:
    """A queryset stand-in that finds a row already deleted (what a check saw just before)."""

    def __init__(self, row: Any) -> None:
        self.row = row

    def filter(self, **_: Any) -> "_Stale":
        return self

    def first(self) -> Any:
        return self.row
