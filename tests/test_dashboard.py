"""The dashboard on each site's host: who sees what, the queue and its actions, settings,
team, bans, threads, stats and the audit log, all through the Django test client."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from embed.models import (
    ApiToken,
    AuditEntry,
    Ban,
    Comment,
    Commenter,
    Flag,
    SiteSettings,
    Thread,
)
from embed.moderation.configure import EDITABLE
from embed.site import site_config_forget
from tests.conftest import OWNER_PASSWORD, PAGE, Api, host_of

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "/dashboard/",
    "/dashboard/queue/",
    "/dashboard/queue/?status=all&q=x&reason=y&thread=1&commenter=1",
    "/dashboard/threads/",
    "/dashboard/bans/",
    "/dashboard/stats/",
    "/dashboard/audit/",
]
OWNER_PAGES = ["/dashboard/settings/", "/dashboard/team/", "/dashboard/domains/"]
ALL_PAGES = STAFF_PAGES + OWNER_PAGES


def set_site(tenant, **fields) -> None:
    with schema_context(tenant.schema_name):
        SiteSettings.objects.update(**fields)
        site_config_forget()


@pytest.fixture(autouse=True)
def _filter_off(alpha) -> None:
    # These tests are about the dashboard's mechanics, not the statistical spam filter.
    set_site(alpha, spam_filter=False)


def held(api: Api, tenant, body: str = "please approve", **fields) -> int:
    set_site(tenant, moderation_mode="pre")
    response = api.post_comment(body, **fields)
    assert response.status_code == 202, response.content
    return response.json()["id"]


def status_of(tenant, pk: int) -> str:
    with schema_context(tenant.schema_name):
        return Comment.objects.get(pk=pk).status


def foreign_client(alpha, beta, staff_client) -> Client:
    """A browser holding a session of beta's owner, visiting alpha's host."""
    client = Client(HTTP_HOST=host_of(alpha))
    client.cookies = staff_client(beta).cookies
    return client


# --- who may see what -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_PAGES)
def test_it_sends_anonymous_visitors_to_the_login_page(client_for, alpha, path):
    response = client_for(alpha).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/?next=")


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_a_moderator_opens_the_staff_pages(staff_client, alpha, path):
    response = staff_client(alpha, "moderator").get(path)
    assert response.status_code == 200
    assert b"/dashboard/settings/" not in response.content
    assert b"/dashboard/team/" not in response.content


@pytest.mark.parametrize("path", OWNER_PAGES)
def test_a_moderator_gets_a_friendly_403_on_owner_pages(staff_client, alpha, path):
    moderator = staff_client(alpha, "moderator")
    response = moderator.get(path)
    assert response.status_code == 403
    assert b"Only the site&#x27;s owners" in response.content
    assert moderator.post(path, {"max_links": 0, "email": "x@y.example"}).status_code == 403


@pytest.mark.parametrize("path", ALL_PAGES)
def test_the_owner_opens_every_page(staff_client, alpha, path):
    response = staff_client(alpha).get(path)
    assert response.status_code == 200
    assert b'href="/dashboard/settings/"' in response.content
    assert b'href="/dashboard/team/"' in response.content


@pytest.mark.parametrize("path", ALL_PAGES)
def test_it_rejects_staff_of_another_tenant(staff_client, alpha, beta, path):
    response = foreign_client(alpha, beta, staff_client).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/")


def test_staff_of_another_tenant_cannot_act(staff_client, api, alpha, beta):
    comment_id = held(api, alpha)
    foreign = foreign_client(alpha, beta, staff_client)
    for path, data in [
        (f"/dashboard/comments/{comment_id}/approve/", {}),
        ("/dashboard/queue/bulk/", {"ids": [comment_id], "action": "approve"}),
        ("/dashboard/bans/", {"kind": "email", "value": "a@b.example"}),
        ("/dashboard/settings/", {"moderation_mode": "post"}),
        ("/dashboard/team/", {"email": "x@beta.example", "password": "long-pass-phrase-1"}),
    ]:
        assert foreign.post(path, data).status_code == 302
    assert status_of(alpha, comment_id) == "pending"
    with schema_context(alpha.schema_name):
        assert not Ban.objects.exists()
        assert not AuditEntry.objects.exists()


def test_a_logged_in_user_not_on_the_team_gets_403(client_for, alpha):
    with schema_context(alpha.schema_name):
        user = get_user_model().objects.create_user(username="reader", password="pw-123456789")
        client = client_for(alpha)
        client.force_login(user)
    assert client.get("/dashboard/queue/").status_code == 403


def test_login_accepts_the_team_and_refuses_others(client_for, alpha, beta):
    client = client_for(alpha)
    page = client.get("/dashboard/login/")
    assert page.status_code == 200
    response = client.post(
        "/dashboard/login/",
        {
            "username": "owner@alpha.example",
            "password": OWNER_PASSWORD,
            "next": "/dashboard/queue/",
        },
    )
    assert response["Location"] == "/dashboard/queue/"
    plain = client_for(alpha).post(
        "/dashboard/login/", {"username": "owner@alpha.example", "password": OWNER_PASSWORD}
    )
    assert plain["Location"] == "/dashboard/"
    # beta's owner does not exist on alpha
    other = client_for(alpha)
    refused = other.post(
        "/dashboard/login/", {"username": "owner@beta.example", "password": OWNER_PASSWORD}
    )
    assert refused.status_code == 200
    assert b"correct username and password" in refused.content
    with schema_context(alpha.schema_name):
        get_user_model().objects.create_user(username="reader", password="pw-123456789")
    not_staff = other.post("/dashboard/login/", {"username": "reader", "password": "pw-123456789"})
    assert b"not on the site&#x27;s team" in not_staff.content


def test_logout_is_a_post(staff_client, alpha):
    owner = staff_client(alpha)
    assert owner.post("/dashboard/logout/")["Location"] == "/dashboard/login/"
    assert owner.get("/dashboard/queue/").status_code == 302


def test_every_post_needs_the_csrf_token(alpha, api):
    comment_id = held(api, alpha)
    client = Client(HTTP_HOST=host_of(alpha), enforce_csrf_checks=True)
    with schema_context(alpha.schema_name):
        client.force_login(get_user_model().objects.get(email="owner@alpha.example"))
    assert client.post(f"/dashboard/comments/{comment_id}/approve/").status_code == 403
    assert status_of(alpha, comment_id) == "pending"
    page = client.get("/dashboard/queue/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert token is not None
    done = client.post(
        f"/dashboard/comments/{comment_id}/approve/", {"csrfmiddlewaretoken": token[1].decode()}
    )
    assert done.status_code == 302
    assert status_of(alpha, comment_id) == "published"


def test_actions_refuse_get(staff_client, api, alpha):
    comment_id = held(api, alpha)
    assert staff_client(alpha).get(f"/dashboard/comments/{comment_id}/approve/").status_code == 405
    assert status_of(alpha, comment_id) == "pending"


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_shows_why_each_comment_is_held(staff_client, api, alpha):
    set_site(alpha, suspect_words=["casino"])
    comment_id = api.post_comment(
        "the casino is open", author_name="<b>Rita</b>", author_email="rita@readers.example"
    ).json()["id"]
    with schema_context(alpha.schema_name):
        Comment.objects.filter(pk=comment_id).update(spam_score=0.42)
        Flag.objects.create(
            comment_id=comment_id, commenter=Commenter.objects.create(name="F"), reason="spam"
        )
    page = staff_client(alpha, "moderator").get("/dashboard/queue/")
    html = page.content.decode()
    assert "suspect word: casino" in html
    assert "spam score 0.42" in html
    assert "1 report" in html
    assert "&lt;b&gt;Rita&lt;/b&gt;" in html and "<b>Rita</b>" not in html
    assert "rita@readers.example" in html
    assert f'href="{PAGE}"' in html
    assert f'action="/dashboard/comments/{comment_id}/approve/"' in html
    assert 'data-count="pending">1<' in html


def test_approving_from_the_queue_publishes_at_once(staff_client, api, alpha):
    comment_id = held(api, alpha)
    assert api.thread().json()["comments"] == []  # now cached as empty
    moderator = staff_client(alpha, "moderator")
    response = moderator.post(
        f"/dashboard/comments/{comment_id}/approve/", {"next": "/dashboard/queue/?status=pending"}
    )
    assert response["Location"] == "/dashboard/queue/?status=pending"
    assert [c["id"] for c in api.thread().json()["comments"]] == [comment_id]
    assert f"Comment {comment_id} approved." in moderator.get("/dashboard/queue/").content.decode()
    with schema_context(alpha.schema_name):
        entry = AuditEntry.objects.get()
        assert entry.action == "approve"
        assert entry.actor is not None and entry.actor.email == "moderator@alpha.example"


def test_an_action_answers_json_for_the_script(staff_client, api, alpha):
    comment_id = held(api, alpha)
    response = staff_client(alpha).post(
        f"/dashboard/comments/{comment_id}/spam/",
        {"next": "/dashboard/queue/"},
        HTTP_ACCEPT="application/json",
    )
    body = response.json()
    assert body["message"] == f"Comment {comment_id} marked as spam."
    assert body["status"] == {str(comment_id): "spam"}
    assert body["counts"]["pending"] == 0 and body["counts"]["spam"] == 1
    assert f'id="c-{comment_id}"' in body["rows"][str(comment_id)]
    assert 'data-action="approve"' in body["rows"][str(comment_id)]


@pytest.mark.parametrize("action, status", [("reject", "rejected"), ("delete", "deleted")])
def test_removing_actions_take_comments_out_of_the_thread(staff_client, api, alpha, action, status):
    comment_id = api.post_comment("visible").json()["id"]
    assert len(api.thread().json()["comments"]) == 1
    staff_client(alpha).post(f"/dashboard/comments/{comment_id}/{action}/")
    assert status_of(alpha, comment_id) == status
    assert api.thread().json()["comments"] == []


def test_pin_restore_and_unknown_actions(staff_client, api, alpha):
    first = api.post_comment("first").json()["id"]
    second = api.post_comment("second").json()["id"]
    owner = staff_client(alpha)
    owner.post(f"/dashboard/comments/{second}/pin/")
    assert [c["id"] for c in api.thread().json()["comments"]] == [second, first]
    page = owner.get("/dashboard/queue/?status=published").content.decode()
    assert f'action="/dashboard/comments/{second}/unpin/"' in page
    owner.post(f"/dashboard/comments/{first}/delete/")
    owner.post(f"/dashboard/comments/{first}/restore/")
    assert status_of(alpha, first) == "published"
    assert owner.post(f"/dashboard/comments/{first}/explode/").status_code == 404
    assert owner.post("/dashboard/comments/999999/approve/").status_code == 404


def test_bulk_actions(staff_client, api, alpha):
    ids = [held(api, alpha, f"held {i}") for i in range(3)]
    owner = staff_client(alpha)
    response = owner.post("/dashboard/queue/bulk/", {"ids": ids[:2], "action": "approve"})
    assert response.status_code == 302
    assert [status_of(alpha, pk) for pk in ids] == ["published", "published", "pending"]
    assert len(api.thread().json()["comments"]) == 2
    as_json = owner.post(
        "/dashboard/queue/bulk/",
        {"ids": [ids[2]], "action": "reject"},
        HTTP_ACCEPT="application/json",
    ).json()
    assert as_json["message"] == "1 comment rejected."
    assert list(as_json["rows"]) == [str(ids[2])]
    empty = owner.post("/dashboard/queue/bulk/", {"action": "approve"}, follow=True)
    assert b"Select at least one comment." in empty.content
    bad = owner.post(
        "/dashboard/queue/bulk/", {"ids": ["x"], "action": "nuke"}, HTTP_ACCEPT="application/json"
    )
    assert bad.status_code == 400


def test_queue_filters(staff_client, api, alpha):
    set_site(alpha, suspect_words=["casino"])
    api.post_comment("the casino is open")
    Api(alpha).post_comment("ordinary words", url="https://alpha.example/other", author_name="Otto")
    owner = staff_client(alpha)

    def bodies(**params) -> list[str]:
        html = owner.get("/dashboard/queue/", params).content.decode()
        return re.findall(r'<div class="body"><p>(.*?)</p>', html)

    assert bodies() == ["the casino is open"]
    assert bodies(reason="casino") == ["the casino is open"]
    assert bodies(status="all") == ["ordinary words", "the casino is open"]
    assert bodies(status="published") == ["ordinary words"]
    assert bodies(status="all", q="ordinary") == ["ordinary words"]
    assert bodies(status="all", q="otto") == ["ordinary words"]
    with schema_context(alpha.schema_name):
        thread = Thread.objects.get(url="https://alpha.example/other")
        author = Commenter.objects.get(name="Otto")
    assert bodies(status="all", thread=thread.pk) == ["ordinary words"]
    assert bodies(status="all", commenter=author.pk) == ["ordinary words"]
    # nonsense falls back to the held queue instead of failing
    assert owner.get("/dashboard/queue/", {"status": "weird", "thread": "x"}).status_code == 200


def test_the_queue_pages_by_fifty(staff_client, alpha):
    make_held(alpha, 55)
    owner = staff_client(alpha)
    first = owner.get("/dashboard/queue/").content.decode()
    assert first.count('class="row ') == 50
    assert "Page 1 of 2" in first
    second = owner.get("/dashboard/queue/", {"page": 2}).content.decode()
    assert second.count('class="row ') == 5
    assert owner.get("/dashboard/queue/", {"page": 99}).status_code == 200


def make_held(tenant, n: int) -> None:
    with schema_context(tenant.schema_name):
        thread = Thread.objects.create(url=f"https://alpha.example/q{n}", title=f"Q{n}")
        authors = [
            Commenter.objects.create(name=f"Q{i}", email=f"q{i}@r.example") for i in range(3)
        ]
        Comment.objects.bulk_create(
            Comment(
                thread=thread,
                author=authors[i % 3],
                body=f"b{i}",
                body_html=f"<p>b{i}</p>",
                status="pending",
                reasons=["suspect word: casino", "first-time commenter"],
                spam_score=0.7,
            )  # fmt: skip
            for i in range(n)
        )


def test_the_queue_page_costs_a_constant_number_of_queries(staff_client, alpha):
    owner = staff_client(alpha)
    owner.get("/dashboard/queue/")  # session, user and host warmed up

    def queries_for(n: int) -> int:
        make_held(alpha, n)
        with CaptureQueriesContext(connection) as ctx:
            response = owner.get("/dashboard/queue/")
        assert response.content.decode().count('class="row ') == min(50, n)
        with schema_context(alpha.schema_name):
            Comment.objects.all().delete()
        return len(ctx.captured_queries)

    five, fifty, sixty = queries_for(5), queries_for(50), queries_for(60)
    assert five == fifty == sixty
    print(f"queue page with 50 held comments: {fifty} queries")
    assert fifty <= 6  # session, user, counts, page count, page rows (+ savepoint noise)


# --- a comment in context, bans, threads ----------------------------------------------------


def test_the_comment_page_shows_its_context_and_history(staff_client, api, alpha):
    parent = api.post_comment("the parent", author_name="Pat").json()["id"]
    reader = Api(alpha)
    earlier = reader.post_comment("an earlier one", author_name="Rita").json()["id"]
    middle = reader.post_comment("the middle", parent=parent, author_name="Rita").json()["id"]
    api.post_comment("a reply to the middle", parent=middle)
    owner = staff_client(alpha, "moderator")
    owner.post(f"/dashboard/comments/{earlier}/spam/")
    html = owner.get(f"/dashboard/comments/{middle}/").content.decode()
    assert "the parent" in html  # the parent
    assert "a reply to the middle" in html  # its replies
    assert "an earlier one" in html  # the author's history
    assert re.search(r"<strong>1</strong> spam", html)
    assert re.search(r"<strong>1</strong> published", html)
    assert f'href="{PAGE}"' in html  # the page the thread is on
    assert 'name="target" value="commenter:' in html
    assert owner.get("/dashboard/comments/999999/").status_code == 404


def test_banning_from_the_comment_page(staff_client, api, alpha):
    comment_id = api.post_comment("trolling", author_email="troll@example.com").json()["id"]
    moderator = staff_client(alpha, "moderator")
    page = moderator.get(f"/dashboard/comments/{comment_id}/").content.decode()
    assert 'value="email:troll@example.com"' in page
    response = moderator.post(
        "/dashboard/bans/",
        {"target": "email:troll@example.com", "shadow": "on", "expires_in": "7", "reason": "abuse",
         "next": f"/dashboard/comments/{comment_id}/"},
    )  # fmt: skip
    assert response["Location"] == f"/dashboard/comments/{comment_id}/"
    with schema_context(alpha.schema_name):
        ban = Ban.objects.get()
    assert (ban.kind, ban.value, ban.shadow, ban.reason) == (
        "email",
        "troll@example.com",
        True,
        "abuse",
    )
    assert ban.expires is not None
    assert "Already shadow-banned" in moderator.get(response["Location"]).content.decode()
    # a shadow ban hides what they write without telling them
    again = api.post_comment("still here", author_email="troll@example.com")
    assert again.status_code in (201, 202)
    assert status_of(alpha, again.json()["id"]) == "spam"


def test_bans_are_made_listed_and_lifted(staff_client, api, alpha):
    moderator = staff_client(alpha, "moderator")
    bad = moderator.post("/dashboard/bans/", {"kind": "email", "value": "nope"})
    assert bad.status_code == 400
    assert "Enter a valid email address." in bad.content.decode()
    moderator.post("/dashboard/bans/", {"kind": "ip", "value": "10.1.2.3"})
    moderator.post("/dashboard/bans/", {"kind": "email", "value": "Troll@Example.com"})
    assert api.post_comment("hi", author_email="troll@example.com").status_code == 403
    listing = moderator.get("/dashboard/bans/").content.decode()
    assert "10.1.2.0" in listing and "troll@example.com" in listing
    with schema_context(alpha.schema_name):
        ban = Ban.objects.get(kind="email")
    moderator.post(f"/dashboard/bans/{ban.pk}/lift/")
    assert api.post_comment("hi", author_email="troll@example.com").status_code == 201
    assert moderator.post("/dashboard/bans/999999/lift/").status_code == 404


def test_threads_close_and_reopen(staff_client, api, alpha):
    api.post_comment("first")
    owner = staff_client(alpha, "moderator")
    with schema_context(alpha.schema_name):
        thread = Thread.objects.get()
    assert PAGE in owner.get("/dashboard/threads/").content.decode()
    assert PAGE in owner.get("/dashboard/threads/", {"q": "hello"}).content.decode()
    assert PAGE not in owner.get("/dashboard/threads/", {"q": "nothing"}).content.decode()
    owner.post(f"/dashboard/threads/{thread.pk}/close/")
    assert api.thread().json()["thread"]["closed"] is True
    assert api.post_comment("late").status_code == 403
    owner.post(f"/dashboard/threads/{thread.pk}/reopen/")
    assert api.post_comment("welcome back").status_code == 201
    assert owner.post(f"/dashboard/threads/{thread.pk}/explode/").status_code == 404


# --- settings and team ----------------------------------------------------------------------


def settings_form(**changes) -> dict:
    data = {
        "moderation_mode": "post", "allowed_origins": "https://alpha.example",
        "guests_allowed": "on",
        "banned_words": "", "suspect_words": "", "max_links": "2", "flag_threshold": "3",
        "spam_filter": "", "akismet_key": "", "edit_window_minutes": "15", "max_depth": "5",
        "auto_close_days": "0", "ip_retention_days": "90", "permalink_pattern": "",
    }  # fmt: skip
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_the_settings_page_shows_every_editable_field(staff_client, alpha):
    html = staff_client(alpha).get("/dashboard/settings/").content.decode()
    for name in EDITABLE:
        assert f'name="{name}"' in html, name
    assert "Hold comments with more links than this." in html
    assert 'id="snippet"' in html and "embed.js" in html


def test_settings_take_effect_in_the_widget(staff_client, api, alpha):
    owner = staff_client(alpha)
    response = owner.post(
        "/dashboard/settings/",
        settings_form(
            guest_email_required="on",
            suspect_words="Casino\nlottery\ncasino",
            allowed_origins="https://alpha.example/\nhttps://news.alpha.example",
        ),
    )
    assert response.status_code == 302
    with schema_context(alpha.schema_name):
        row = SiteSettings.objects.get()
    assert row.suspect_words == ["Casino", "lottery", "casino"] or row.suspect_words[:2] == [
        "Casino",
        "lottery",
    ]
    assert row.allowed_origins == ["https://alpha.example", "https://news.alpha.example"]
    assert "author_email" in api.post_comment("hi").json()["error"]["fields"]
    held_now = api.post_comment("win at the casino", author_email="a@readers.example")
    assert held_now.status_code == 202
    page = owner.get("/dashboard/settings/").content.decode()
    assert "lottery" in page
    with schema_context(alpha.schema_name):
        assert AuditEntry.objects.filter(action="settings").exists()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("max_links", "-1", "greater than or equal to 0"),
        ("moderation_mode", "anarchy", "Select a valid choice"),
        ("max_depth", "0", "greater than or equal to 1"),
        ("allowed_origins", "javascript:alert(1)", "is not an http(s) origin"),
        ("allowed_origins", "https://alpha.example/path", "must be an origin only"),
    ],
)
def test_settings_errors_are_shown_next_to_the_field(staff_client, alpha, field, value, message):
    response = staff_client(alpha).post("/dashboard/settings/", settings_form(**{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    error = html.split(f'id="id_{field}_error"', 1)[1].split("</ul>", 1)[0]
    assert message in error
    with schema_context(alpha.schema_name):
        assert set(SiteSettings.objects.get().allowed_origins) == {
            "https://alpha.example",
            "http://127.0.0.1:8765",
        }


def test_the_akismet_key_is_write_only(staff_client, alpha):
    owner = staff_client(alpha)
    owner.post("/dashboard/settings/", settings_form(akismet_key="a1b2c3d4e5f6"))
    with schema_context(alpha.schema_name):
        assert SiteSettings.objects.get().akismet_key == "a1b2c3d4e5f6"
    page = owner.get("/dashboard/settings/").content.decode()
    assert "a1b2c3d4e5f6" not in page
    assert 'name="akismet_clear"' in page
    owner.post("/dashboard/settings/", settings_form())  # blank keeps it
    with schema_context(alpha.schema_name):
        assert SiteSettings.objects.get().akismet_key == "a1b2c3d4e5f6"
    owner.post("/dashboard/settings/", settings_form(akismet_clear="on"))
    with schema_context(alpha.schema_name):
        assert SiteSettings.objects.get().akismet_key == ""


def test_team_management(staff_client, alpha):
    owner = staff_client(alpha)
    added = owner.post(
        "/dashboard/team/",
        {"email": "Mod@Alpha.example", "password": "another-long-passphrase", "role": "moderator"},
    )
    assert added.status_code == 302
    with schema_context(alpha.schema_name):
        users = get_user_model().objects
        mod = users.get(email="mod@alpha.example")
        me = users.get(email="owner@alpha.example")
    assert (mod.is_staff, mod.is_superuser) == (True, False)
    page = owner.get("/dashboard/team/").content.decode()
    assert "mod@alpha.example" in page
    assert f"/dashboard/team/{me.pk}/remove/" not in page  # no button to remove yourself
    again = owner.post(
        "/dashboard/team/",
        {"email": "mod@alpha.example", "password": "another-long-passphrase", "role": "owner"},
    )
    assert again.status_code == 400
    assert "already on the team" in again.content.decode()
    weak = owner.post(
        "/dashboard/team/", {"email": "x@alpha.example", "password": "123", "role": "moderator"}
    )
    assert weak.status_code == 400
    assert 'id="id_password_error"' in weak.content.decode()
    # the last owner cannot step down
    refused = owner.post(f"/dashboard/team/{me.pk}/role/", {"role": "moderator"}, follow=True)
    assert "The site needs at least one owner." in refused.content.decode()
    assert (
        owner.post(f"/dashboard/team/{me.pk}/remove/", follow=True)
        .content.decode()
        .count("You cannot remove yourself.")
    )
    owner.post(f"/dashboard/team/{mod.pk}/role/", {"role": "owner"})
    with schema_context(alpha.schema_name):
        assert users.get(pk=mod.pk).is_superuser
    # with a second owner, stepping down works and leads away from the owner's pages
    stepped = owner.post(f"/dashboard/team/{me.pk}/role/", {"role": "moderator"})
    assert stepped["Location"] == "/dashboard/"
    assert owner.get("/dashboard/team/").status_code == 403
    new_owner = Client(HTTP_HOST=host_of(alpha))
    with schema_context(alpha.schema_name):
        new_owner.force_login(users.get(pk=mod.pk))
    new_owner.post(f"/dashboard/team/{me.pk}/remove/")
    with schema_context(alpha.schema_name):
        assert not users.filter(pk=me.pk).exists()
        actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["team_add", "team_role", "team_role", "team_remove"]


# --- overview, stats, audit -----------------------------------------------------------------


def test_the_overview_shows_the_snippet_and_what_waits(staff_client, api, alpha):
    held(api, alpha)
    html = staff_client(alpha, "moderator").get("/dashboard/").content.decode()
    assert "<strong>1</strong> held for review" in html
    assert "data-copy-button" in html
    assert "embed.js" in html and "https://alpha.example" in html


def test_stats_chart_and_busiest_threads(staff_client, api, alpha):
    api.post_comment("one")
    api.post_comment("two", hp="bot")
    html = staff_client(alpha, "moderator").get("/dashboard/stats/").content.decode()
    assert html.count('class="bar"') == 30
    assert html.count('class="bar-spam"') == 1
    assert "<strong>50.0%</strong> spam rate" in html
    assert PAGE in html or "hello" in html
    assert 'role="img"' in html


def test_the_audit_log_lists_actions_newest_first(staff_client, api, alpha):
    comment_id = held(api, alpha)
    owner = staff_client(alpha)
    owner.post(f"/dashboard/comments/{comment_id}/approve/")
    owner.post("/dashboard/bans/", {"kind": "email", "value": "t@example.com"})
    html = owner.get("/dashboard/audit/").content.decode()
    assert html.index("<td>ban ban") < html.index("<td>approve")
    assert f'href="/dashboard/comments/{comment_id}/"' in html
    assert "owner@alpha.example" in html


def test_redirects_stay_on_the_site(staff_client, api, alpha):
    comment_id = held(api, alpha)
    response = staff_client(alpha).post(
        f"/dashboard/comments/{comment_id}/approve/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/dashboard/queue/"


def test_the_demo_owner_moderates_the_seeded_held_comments(db):
    from django.core.management import call_command

    from embed.management.commands.seed_demo import DEMO_OWNER, DEMO_PASSWORD
    from tenants.models import Tenant

    call_command("seed_demo", stdout=io.StringIO())
    demo = Tenant.objects.get(slug="demo")
    client = Client(HTTP_HOST=host_of(demo))
    login = client.post("/dashboard/login/", {"username": DEMO_OWNER, "password": DEMO_PASSWORD})
    assert login["Location"] == "/dashboard/"
    html = client.get("/dashboard/queue/").content.decode()
    ids = re.findall(r'<li class="row status-pending" id="c-(\d+)"', html)
    assert len(ids) == 2
    assert "RSS feed" in html
    client.post(f"/dashboard/comments/{ids[0]}/approve/")
    client.post(f"/dashboard/comments/{ids[1]}/spam/")
    assert "Nothing is waiting for review." in client.get("/dashboard/queue/").content.decode()


def test_the_owner_makes_a_token_that_the_page_shows_once(staff_client, alpha):
    owner = staff_client(alpha)
    made = owner.post("/dashboard/tokens/", {"name": "Exporter", "scope": "read"})
    assert made.status_code == 201
    assert made["Cache-Control"].startswith("max-age=0")
    token = made.context["created"][1]
    assert token.encode() in made.content
    listed = owner.get("/dashboard/tokens/")
    assert listed.status_code == 200
    assert b"Exporter" in listed.content
    assert token.encode() not in listed.content
    assert token[:12].encode() in listed.content


def test_a_token_form_with_no_name_is_a_400(staff_client, alpha):
    response = staff_client(alpha).post("/dashboard/tokens/", {"name": "", "scope": "read"})
    assert response.status_code == 400
    assert response.context["created"] is None


def test_a_moderator_has_no_token_page(staff_client, alpha):
    moderator = staff_client(alpha, "moderator")
    assert moderator.get("/dashboard/tokens/").status_code == 403
    assert moderator.post("/dashboard/tokens/", {"name": "x", "scope": "read"}).status_code == 403


def test_the_owner_revokes_a_token_of_this_site_only(staff_client, alpha, beta):

    staff_client(beta).post("/dashboard/tokens/", {"name": "Beta's", "scope": "owner"})
    with schema_context(beta.schema_name):
        beta_token = ApiToken.objects.get()
    assert staff_client(alpha).post(f"/dashboard/tokens/{beta_token.pk}/revoke/").status_code == 404
    owner = staff_client(beta)
    assert owner.post(f"/dashboard/tokens/{beta_token.pk}/revoke/").status_code == 302
    with schema_context(beta.schema_name):
        assert ApiToken.objects.get().revoked is not None


def test_the_comment_page_shows_the_authors_trust(staff_client, api, alpha):
    ids = [api.post_comment(f"An older comment, number {n}.").json()["id"] for n in range(2)]
    with schema_context(alpha.schema_name):
        Comment.objects.filter(pk__in=ids).update(created=timezone.now() - timedelta(days=3))
    newest = api.post_comment("And a new one.").json()["id"]
    page = staff_client(alpha).get(f"/dashboard/comments/{newest}/")
    assert page.status_code == 200
    assert page.context["trust"].published == 2
    assert b"Trust: <strong>40%</strong>" in page.content


def test_a_published_comment_links_to_its_place_on_the_page(alpha, staff_client) -> None:
    api = Api(alpha)
    comment = api.post_comment("Find me on the page").json()
    page = staff_client(alpha).get("/dashboard/queue/", {"status": "published"})
    assert f'href="{PAGE}#comment-{comment["id"]}"' in page.content.decode()
