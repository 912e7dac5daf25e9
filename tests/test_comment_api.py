"""Writing: posting, editing, deleting, voting, flagging, limits and error shapes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from embed.models import Comment, Commenter, Flag, Thread, Vote
from embed.site import site_settings_update
from tests.conftest import PAGE, Api

pytestmark = pytest.mark.django_db


def settings_of(tenant, **fields):
    with schema_context(tenant.schema_name):
        site_settings_update(**fields)


def test_a_guest_posts_and_gets_a_token(api, alpha):
    response = api.post_comment("Hello *there*", title="Hello post")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "published"
    assert body["html"] == "<p>Hello <em>there</em></p>"
    assert body["author"]["name"] == "Ann"
    assert body["commenter_token"]
    assert body["editable_until"] > body["created"]
    with schema_context(alpha.schema_name):
        thread = Thread.objects.get()
        assert thread.url == PAGE
        assert thread.title == "Hello post"
        assert thread.comment_count == 1


def test_the_same_token_keeps_the_same_commenter(api, alpha):
    api.post_comment("one")
    api.post_comment("two", author_name="")
    with schema_context(alpha.schema_name):
        assert Commenter.objects.count() == 1
        assert Comment.objects.count() == 2


def test_urls_are_normalised_so_one_page_is_one_thread(api, alpha):
    for url in (
        "https://alpha.example/posts/hello",
        "HTTPS://Alpha.Example:443/posts/hello#comments",
        "https://alpha.example/posts/hello?utm_source=news&utm_medium=email&fbclid=x",
    ):
        assert api.post_comment("hi", url=url).status_code == 201
    with schema_context(alpha.schema_name):
        assert Thread.objects.count() == 1
        assert Thread.objects.get().comment_count == 3


def test_a_thread_is_created_only_for_an_allowed_origin(api, alpha):
    response = api.post_comment("hi", url="https://evil.example/page")
    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]
    with schema_context(alpha.schema_name):
        assert not Thread.objects.exists()


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"body": ""}, "body"),
        ({"body": "   \n  "}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"author_name": ""}, "author_name"),
        ({"author_name": "n" * 65}, "author_name"),
        ({"author_email": "not-an-email"}, "author_email"),
        ({"body": 42}, "body"),
        ({"parent": "abc"}, "parent"),
        ({"parent": 999999}, "parent"),
        ({"url": None}, "url"),
    ],
)
def test_bad_comments_get_a_400_with_the_field(api, fields, field):
    response = api.send(
        "POST", "/api/v1/comments", {"url": PAGE, "body": "ok", "author_name": "Ann", **fields}
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"a string"', "null"])
def test_malformed_json_gets_a_400(api, raw):
    response = api.send("POST", "/api/v1/comments", raw)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("parse_error", "invalid")


def test_an_oversized_body_gets_a_413(api):
    response = api.send("POST", "/api/v1/comments", {"url": PAGE, "body": "x" * 300_000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_the_site_can_require_a_guest_email(api, alpha):
    settings_of(alpha, guest_email_required=True)
    response = api.post_comment("hi")
    assert response.status_code == 400
    assert "author_email" in response.json()["error"]["fields"]
    assert api.post_comment("hi", author_email="ann@readers.example").status_code == 201


def test_a_site_without_guests_refuses_them(api, alpha):
    settings_of(alpha, guests_allowed=False)
    response = api.post_comment("hi")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "guests_not_allowed"


def test_a_closed_thread_refuses_comments(api, alpha):
    api.post_comment("first")
    with schema_context(alpha.schema_name):
        Thread.objects.update(closed=True)
    response = api.post_comment("too late")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "thread_closed"


def test_pre_moderation_answers_202_and_hides_the_comment(api, alpha):
    settings_of(alpha, moderation_mode="pre")
    response = api.post_comment("please approve me")
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    body = api.thread().json()
    assert body["comments"] == []
    assert body["thread"]["comment_count"] == 0
    mine = api.get("/api/v1/thread/me", {"url": PAGE}).json()
    assert [c["html"] for c in mine["pending"]] == ["<p>please approve me</p>"]
    stranger = Api(alpha)
    stranger.post_comment("me too")
    assert stranger.get("/api/v1/thread/me", {"url": PAGE}).json()["pending"][0]["html"] == (
        "<p>me too</p>"
    )
    assert len(api.get("/api/v1/thread/me", {"url": PAGE}).json()["pending"]) == 1


def test_a_filled_honeypot_is_spam_and_never_shown(api, alpha):
    response = api.post_comment("buy now", hp="http://spam.example")
    assert response.status_code == 202
    assert response.json()["status"] == "spam"
    assert api.thread().json()["comments"] == []


def test_replies_deeper_than_the_cap_attach_at_the_cap(api, alpha):
    settings_of(alpha, max_depth=3)
    parent = api.post_comment("depth 0").json()
    for depth in range(1, 6):
        parent = api.post_comment(f"depth {depth}", parent=parent["id"]).json()
    with schema_context(alpha.schema_name):
        assert max(Comment.objects.values_list("depth", flat=True)) == 2


def test_a_reply_must_belong_to_the_same_thread(api):
    other = api.post_comment("elsewhere", url="https://alpha.example/other").json()
    response = api.post_comment("reply", parent=other["id"])
    assert response.status_code == 400
    assert "parent" in response.json()["error"]["fields"]


def test_the_author_edits_within_the_window(api):
    comment = api.post_comment("typo").json()
    response = api.send("PATCH", f"/api/v1/comments/{comment['id']}", {"body": "fixed **it**"})
    assert response.status_code == 200
    assert response.json()["html"] == "<p>fixed <strong>it</strong></p>"
    assert response.json()["edited"] is not None


def test_editing_after_the_window_is_refused(api, alpha):
    comment = api.post_comment("old").json()
    with schema_context(alpha.schema_name):
        Comment.objects.filter(pk=comment["id"]).update(
            created=timezone.now() - timedelta(minutes=16)
        )
    for method, data in (("PATCH", {"body": "new"}), ("DELETE", None)):
        response = api.send(method, f"/api/v1/comments/{comment['id']}", data)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "edit_window_closed"


def test_another_reader_cannot_edit_or_delete(api, alpha):
    comment = api.post_comment("mine").json()
    other = Api(alpha)
    other.post_comment("theirs")
    for method, data in (("PATCH", {"body": "hacked"}), ("DELETE", None)):
        response = other.send(method, f"/api/v1/comments/{comment['id']}", data)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_author"


def test_changes_need_a_valid_token(api):
    comment = api.post_comment("mine").json()
    api.token = None
    assert api.send("PATCH", f"/api/v1/comments/{comment['id']}", {"body": "x"}).status_code == 401
    forged = api.send("PATCH", f"/api/v1/comments/{comment['id']}", {"body": "x"}, token="abc:def")
    assert forged.status_code == 401
    assert forged.json()["error"]["code"] == "authentication_failed"


def test_an_unknown_comment_is_a_404(api):
    api.post_comment("x")
    for method, path in (
        ("PATCH", "/api/v1/comments/999999"),
        ("DELETE", "/api/v1/comments/999999"),
        ("POST", "/api/v1/comments/999999/vote"),
        ("POST", "/api/v1/comments/999999/flag"),
    ):
        data = {"body": "x", "value": 1, "reason": "spam"}
        response = api.send(method, path, data)
        assert response.status_code == 404, (method, path)
        assert response.json()["error"]["code"] == "not_found"


def test_one_vote_per_reader_which_can_change(api, alpha):
    comment = api.post_comment("vote on me").json()
    reader = Api(alpha)
    first = reader.send("POST", f"/api/v1/comments/{comment['id']}/vote", {"value": 1}).json()
    assert first["score"] == 1
    reader.token = first["commenter_token"]
    assert reader.send("POST", f"/api/v1/comments/{comment['id']}/vote", {"value": 1}).json() == {
        "score": 1,
        "vote": 1,
    }
    down = reader.send("POST", f"/api/v1/comments/{comment['id']}/vote", {"value": -1}).json()
    assert down["score"] == -1
    withdrawn = reader.send("POST", f"/api/v1/comments/{comment['id']}/vote", {"value": 0})
    assert withdrawn.json() == {"score": 0, "vote": 0}
    reader.send("POST", f"/api/v1/comments/{comment['id']}/vote", {"value": 1})
    state = reader.get("/api/v1/thread/me", {"url": PAGE}).json()
    assert state["votes"] == {str(comment["id"]): 1}
    with schema_context(alpha.schema_name):
        assert Vote.objects.count() == 1


@pytest.mark.parametrize("value", [2, "up", None, -2])
def test_a_bad_vote_value_is_a_400(api, value):
    comment = api.post_comment("x").json()
    response = api.send("POST", f"/api/v1/comments/{comment['id']}/vote", {"value": value})
    assert response.status_code == 400
    assert "value" in response.json()["error"]["fields"]


def test_flags_past_the_threshold_hold_the_comment(api, alpha):
    settings_of(alpha, flag_threshold=2)
    comment = api.post_comment("controversial").json()
    for _ in range(2):
        reader = Api(alpha)  # readers who have commented: their reports count in full
        reader.post_comment("my own view", url="https://alpha.example/elsewhere")
        response = reader.send(
            "POST", f"/api/v1/comments/{comment['id']}/flag", {"reason": "abuse"}
        )
        assert response.status_code == 200
        assert response.json()["flagged"] is True
    with schema_context(alpha.schema_name):
        assert Flag.objects.count() == 2
        held = Comment.objects.get(pk=comment["id"])
        assert held.status == "pending"
        assert held.reasons == ["2 reader reports"]
    assert api.thread().json()["comments"] == []


def test_a_reader_flags_once(api, alpha):
    comment = api.post_comment("x").json()
    for reason in ("spam", "abuse", "other"):
        api.send("POST", f"/api/v1/comments/{comment['id']}/flag", {"reason": reason})
    with schema_context(alpha.schema_name):
        assert list(Flag.objects.values_list("reason", flat=True)) == ["other"]
    bad = api.send("POST", f"/api/v1/comments/{comment['id']}/flag", {"reason": "meh"})
    assert bad.status_code == 400


def test_thread_me_needs_a_token(api):
    response = api.get("/api/v1/thread/me", {"url": PAGE})
    assert response.status_code == 401


def test_posting_is_rate_limited_per_commenter(api, settings):
    settings.PALAVER_RATE_LIMITS = "ip=100/60,commenter=3/60"
    # The first post has no token yet, so only its IP counts; the next three carry the token.
    codes = [api.post_comment(f"comment {i}").status_code for i in range(5)]
    assert codes == [201, 201, 201, 201, 429]
    last = api.post_comment("again")
    assert last.status_code == 429
    assert last.json()["error"]["code"] == "throttled"
    assert 1 <= int(last["Retry-After"]) <= 60


def test_posting_is_rate_limited_per_ip(alpha, settings):
    settings.PALAVER_RATE_LIMITS = "ip=2/60"
    codes = [Api(alpha).post_comment("hi").status_code for _ in range(3)]
    assert codes == [201, 201, 429]


def test_rate_limits_can_be_turned_off(api, settings):
    settings.PALAVER_RATE_LIMITS = "off"
    assert {api.post_comment(f"c{i}").status_code for i in range(25)} == {201}


def test_cors_allows_only_the_sites_origins(api):
    allowed = api.client.options(
        "/api/v1/comments",
        HTTP_ORIGIN="https://alpha.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert allowed["Access-Control-Allow-Origin"] == "https://alpha.example"
    assert "authorization" in allowed["Access-Control-Allow-Headers"]
    read = api.get("/api/v1/thread", {"url": PAGE}, HTTP_ORIGIN="https://alpha.example")
    assert read["Access-Control-Allow-Origin"] == "https://alpha.example"
    stranger = api.get("/api/v1/thread", {"url": PAGE}, HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in stranger
    assert "Access-Control-Allow-Credentials" not in read


def test_thread_me_gives_the_author_their_markdown(api):
    comment = api.post_comment("Some **bold** words").json()
    state = api.get("/api/v1/thread/me", {"url": PAGE}).json()
    assert state["sources"] == {str(comment["id"]): "Some **bold** words"}


def test_a_refused_body_leaves_no_commenter_or_thread(api, alpha):
    response = api.post_comment("   ", url="https://alpha.example/new-page")
    assert response.status_code == 400
    with schema_context(alpha.schema_name):
        assert not Thread.objects.exists()
        assert not Commenter.objects.exists()
