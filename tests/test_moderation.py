"""The decision pipeline: rules, bans, shadow bans, the learning spam filter.

Akismet, the outside opinion, is in tests/test_akismet.py."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from django_tenants.utils import schema_context

from embed.models import Ban, Comment, SpamModelState, Thread
from embed.moderation.actions import comment_moderate
from embed.moderation.bans import ban_create
from embed.policy.rules import words_found
from embed.policy.spammodel import site_spam_model
from embed.site import site_settings_update
from tests.conftest import PAGE, Api

pytestmark = pytest.mark.django_db


def configure(tenant, **fields):
    with schema_context(tenant.schema_name):
        site_settings_update(**fields)


def posted(api: Api, body: str, **fields: Any) -> dict:
    response = api.post_comment(body, **fields)
    assert response.status_code in (201, 202), response.content
    return response.json()


def stored(tenant, comment_id: int) -> Comment:
    with schema_context(tenant.schema_name):
        return Comment.objects.get(pk=comment_id)


def test_words_match_whole_words_ignoring_case_and_accents():
    words = ("casino", "crème brûlée", "spam")
    assert words_found("Visit the CASINO now", words) == ["casino"]
    assert words_found("I love Creme Brulee", words) == ["creme brulee"]
    assert words_found("casinos and spammy things", words) == []
    assert words_found("spam!", words) == ["spam"]


def test_a_new_site_starts_in_post_moderation_with_the_spam_filter_on(client):
    from embed.models import SiteSettings
    from tenants.services import site_create

    site = site_create(slug="fresh", name="Fresh", owner_email="o@fresh.example")
    with schema_context(site.tenant.schema_name):
        row = SiteSettings.objects.get()
        assert row.moderation_mode == "post"
        assert row.spam_filter is True


def test_a_banned_word_rejects_with_its_reason(api, alpha):
    configure(alpha, banned_words=["Scam"])
    body = posted(api, "This is a SCAM, folks")
    assert body["status"] == "rejected"
    assert stored(alpha, body["id"]).reasons == ["banned word: scam"]
    assert api.thread().json()["comments"] == []


def test_a_suspect_word_holds_with_its_reason(api, alpha):
    configure(alpha, suspect_words=["casino"])
    body = posted(api, "My favourite Casino is open")
    assert body["status"] == "pending"
    assert "suspect word: casino" in stored(alpha, body["id"]).reasons


def test_too_many_links_hold(api, alpha):
    configure(alpha, max_links=1)
    assert posted(api, "one https://a.example")["status"] == "published"
    body = posted(api, "two https://a.example and https://b.example")
    assert body["status"] == "pending"
    assert "2 links (limit 1)" in stored(alpha, body["id"]).reasons


def test_pre_moderation_for_first_time_commenters_only(api, alpha):
    configure(alpha, moderation_mode="pre_first")
    first = posted(api, "Hello, first time")
    assert first["status"] == "pending"
    assert "first-time commenter" in stored(alpha, first["id"]).reasons
    with schema_context(alpha.schema_name):
        comment_moderate(
            comment=Comment.objects.get(pk=first["id"]), action="approve", actor=owner(alpha)
        )
    assert posted(api, "Back again")["status"] == "published"


def test_threads_close_automatically_after_n_days(api, alpha):
    posted(api, "early bird")
    configure(alpha, auto_close_days=7)
    with schema_context(alpha.schema_name):
        Thread.objects.update(created=timezone.now() - timedelta(days=8))
    response = api.post_comment("late")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "thread_closed"
    assert api.thread().json()["thread"]["closed"] is True


def test_an_edit_goes_through_the_pipeline_again(api, alpha):
    configure(alpha, suspect_words=["casino"])
    body = posted(api, "An innocent comment")
    assert body["status"] == "published"
    api.send("PATCH", f"/api/v1/comments/{body['id']}", {"body": "Now about the casino"})
    comment = stored(alpha, body["id"])
    assert comment.status == "pending"
    assert "suspect word: casino" in comment.reasons
    assert api.thread().json()["comments"] == []


def test_a_banned_commenter_cannot_post(api, alpha):
    body = posted(api, "before the ban")
    with schema_context(alpha.schema_name):
        ban_create(kind=Ban.Kind.COMMENTER, value=str(stored(alpha, body["id"]).author_id))
    response = api.post_comment("after the ban")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "banned"


def test_bans_by_email_and_ip_and_their_expiry(alpha):
    with schema_context(alpha.schema_name):
        ban_create(kind=Ban.Kind.EMAIL, value="Troll@Example.com")
        expired = ban_create(
            kind=Ban.Kind.IP, value="127.0.0.1", expires=timezone.now() + timedelta(hours=1)
        )
    assert Api(alpha).post_comment("hi", author_email="troll@example.com").status_code == 403
    assert Api(alpha).post_comment("hi").status_code == 403  # the test client's IP
    with schema_context(alpha.schema_name):
        Ban.objects.filter(pk=expired.pk).update(expires=timezone.now() - timedelta(seconds=1))
    assert Api(alpha).post_comment("hi").status_code == 201


def test_a_shadow_ban_shows_the_comment_to_its_author_only(api, alpha):
    first = posted(api, "hello")
    with schema_context(alpha.schema_name):
        author_id = stored(alpha, first["id"]).author_id
        ban_create(kind=Ban.Kind.COMMENTER, value=str(author_id), shadow=True)
    response = api.post_comment("you cannot see me")
    assert response.status_code == 201
    assert response.json()["status"] == "published"
    shadowed = response.json()["id"]
    assert stored(alpha, shadowed).status == "spam"
    assert "shadow ban" in stored(alpha, shadowed).reasons
    assert [c["id"] for c in api.thread().json()["comments"]] == [first["id"]]
    mine = api.get("/api/v1/thread/me", {"url": PAGE}).json()
    assert [c["id"] for c in mine["shadowed"]] == [shadowed]
    assert Api(alpha).get("/api/v1/thread/me", {"url": PAGE}).status_code == 401


def test_the_honeypot_marks_spam(api, alpha):
    body = posted(api, "hello", hp="I am a bot")
    assert body["status"] == "spam"
    assert "honeypot filled" in stored(alpha, body["id"]).reasons


def test_obvious_spam_is_caught_with_a_score_and_reasons(api, alpha):
    configure(alpha, spam_filter=True)
    body = posted(
        api, "CHECK OUT MY CHANNEL!!! http://spam.example/win subscribe subscribe subscribe"
    )
    assert body["status"] in ("spam", "pending")
    comment = stored(alpha, body["id"])
    assert comment.spam_score is not None and comment.spam_score >= 0.5
    assert any(reason.startswith("spam score") for reason in comment.reasons)


def test_the_filter_learns_from_the_sites_moderators(api, alpha):
    configure(alpha, spam_filter=True)
    pitch = "Our artisanal teapot subscription ships monthly, ask about teapot deals"
    with schema_context(alpha.schema_name):
        assert site_spam_model() is None  # the shipped default until the first verdict
    first = posted(api, pitch)
    score_before = stored(alpha, first["id"]).spam_score
    with schema_context(alpha.schema_name):
        comment = Comment.objects.select_related("thread").get(pk=first["id"])
        comment_moderate(comment=comment, action="spam", actor=owner(alpha))
        assert SpamModelState.objects.get().decisions == 1
        assert site_spam_model() is not None
    similar = posted(api, pitch.replace("ask about", "ASK ABOUT") + "!")
    score_after = stored(alpha, similar["id"]).spam_score
    assert score_before is not None and score_after is not None
    assert score_after > score_before
    # Another site's model is untouched.
    with schema_context("site_beta"):
        assert site_spam_model() is None


def test_the_shipped_model_alone_only_holds(api, alpha):
    configure(alpha, spam_filter=True, max_links=5)
    text = "Subscribe to my channel for free prizes http://prizes.example/free"
    first = posted(api, text)
    comment = stored(alpha, first["id"])
    assert comment.spam_score is not None and comment.spam_score >= 0.9
    assert comment.status == "pending"  # held for a person to look at, not binned
    with schema_context(alpha.schema_name):
        comment_moderate(
            comment=Comment.objects.select_related("thread").get(pk=first["id"]),
            action="spam",
            actor=owner(alpha),
        )
    # Once the site's moderators have taught their own model, its verdict stands.
    assert posted(api, text + " now")["status"] == "spam"


def owner(tenant) -> User:
    """The site's owner; call inside the site's schema."""
    return User.objects.get(email=f"owner@{tenant.slug}.example")


CHECK_OUT = "Check out the comments on the previous post, someone already explained this well."


def test_a_reader_with_published_history_passes_more_easily(api, alpha):
    configure(alpha, spam_filter=True)
    newcomer = posted(Api(alpha), CHECK_OUT, author_name="New")
    assert newcomer["status"] == "pending"
    assert "spam score" in stored(alpha, newcomer["id"]).reasons[0]
    earlier = [posted(api, f"Thanks, point {n} is well made.")["id"] for n in range(5)]
    with schema_context(alpha.schema_name):
        Comment.objects.filter(pk__in=earlier).update(created=timezone.now() - timedelta(days=2))
    regular = posted(api, CHECK_OUT)
    assert regular["status"] == "published"
    score = stored(alpha, regular["id"]).spam_score
    assert score is not None and score < 0.5 <= (stored(alpha, newcomer["id"]).spam_score or 0)


def test_trust_counts_only_published_comments_that_stood_a_day(api, alpha):
    from embed.policy.trust import reader_trust

    ids = [posted(api, f"Comment number {n} on this page.")["id"] for n in range(3)]
    with schema_context(alpha.schema_name):
        author = Comment.objects.get(pk=ids[0]).author
        assert reader_trust(author).published == 0  # too fresh
        Comment.objects.filter(pk__in=ids).update(created=timezone.now() - timedelta(days=2))
        Comment.objects.filter(pk=ids[2]).update(status="rejected")
        assert reader_trust(author).published == 2
        assert reader_trust(author).score == pytest.approx(0.4)
        assert reader_trust(author, exclude_comment=ids[0]).published == 1
        assert reader_trust(None).score == 0
