"""Who may vote and report, and how much it weighs; a closed thread is frozen for readers.

A token costs nothing: any request without one used to make a new reader. So a reader who
has not shown themselves (no comment here, no sign-in) votes and reports for their
anonymised network, once per comment, and their reports count half and never hold a
comment on their own.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from embed.models import Comment, Flag, Thread, Vote
from embed.site import site_settings_update
from tests.conftest import PAGE, Api

pytestmark = pytest.mark.django_db

ELSEWHERE = "https://alpha.example/elsewhere"


def settings_of(tenant, **fields):
    with schema_context(tenant.schema_name):
        site_settings_update(**fields)


def vote(api: Api, comment_id: int, value: int = 1, ip: str = "127.0.0.1"):
    return api.send("POST", f"/api/v1/comments/{comment_id}/vote", {"value": value}, REMOTE_ADDR=ip)


def flag(api: Api, comment_id: int, ip: str = "127.0.0.1"):
    return api.send(
        "POST", f"/api/v1/comments/{comment_id}/flag", {"reason": "abuse"}, REMOTE_ADDR=ip
    )


def known_reader(tenant) -> Api:
    """A reader who has commented on the site (on another page)."""
    reader = Api(tenant)
    assert reader.post_comment("I read this blog", url=ELSEWHERE).status_code == 201
    return reader


@pytest.fixture
def comment_id(api) -> int:
    return api.post_comment("Vote on me").json()["id"]


def score_of(tenant, pk: int) -> int:
    with schema_context(tenant.schema_name):
        return Comment.objects.get(pk=pk).score


def status_of(tenant, pk: int) -> str:
    with schema_context(tenant.schema_name):
        return Comment.objects.get(pk=pk).status


# Votes


def test_fifty_tokenless_votes_from_one_network_count_once(alpha, comment_id):
    codes = [vote(Api(alpha), comment_id, ip=f"203.0.113.{n}").status_code for n in range(50)]
    assert codes == [200] + [403] * 49
    refused = vote(Api(alpha), comment_id, ip="203.0.113.99").json()["error"]
    assert refused["code"] == "already_voted_here"
    assert score_of(alpha, comment_id) == 1
    with schema_context(alpha.schema_name):
        assert Vote.objects.count() == 1


def test_tokenless_readers_on_other_networks_each_get_a_vote(alpha, comment_id):
    for n in range(3):
        assert vote(Api(alpha), comment_id, ip=f"198.51.{n}.7").status_code == 200
    assert vote(Api(alpha), comment_id, ip="2001:db8:1:2::7").status_code == 200
    assert vote(Api(alpha), comment_id, ip="2001:db8:1:3::8").status_code == 403  # same /48
    assert score_of(alpha, comment_id) == 4


def test_a_guest_changes_and_withdraws_their_own_vote_with_the_token_they_got(alpha, comment_id):
    guest = Api(alpha)
    first = vote(guest, comment_id)
    assert first.json()["score"] == 1 and first.json()["vote"] == 1
    guest.token = first.json()["commenter_token"]
    assert vote(guest, comment_id, -1).json() == {"score": -1, "vote": -1}
    assert vote(guest, comment_id, 0).json() == {"score": 0, "vote": 0}
    # Withdrawn, the network's vote is free again.
    assert vote(Api(alpha), comment_id).status_code == 200


def test_a_vote_token_alone_does_not_make_a_reader_known(alpha, comment_id):
    assert vote(Api(alpha), comment_id).status_code == 200  # the network's guest vote
    # A guest holding the token a vote on another comment gave them is still a guest.
    elsewhere = Api(alpha).post_comment("another", url=ELSEWHERE).json()["id"]
    guest = Api(alpha)
    guest.token = vote(guest, elsewhere, ip="192.0.2.1").json()["commenter_token"]
    assert vote(guest, comment_id).status_code == 403
    assert score_of(alpha, comment_id) == 1


def test_readers_who_commented_vote_as_themselves_whatever_their_network(alpha, comment_id):
    assert vote(Api(alpha), comment_id).status_code == 200  # the network's guest vote
    for _ in range(3):
        assert vote(known_reader(alpha), comment_id).status_code == 200
    assert score_of(alpha, comment_id) == 4


def test_a_reader_whose_comments_were_all_refused_is_not_known(alpha, comment_id):
    spammer = Api(alpha)
    assert spammer.post_comment("buy now", url=ELSEWHERE, hp="x").json()["status"] == "spam"
    assert vote(Api(alpha), comment_id).status_code == 200
    assert vote(spammer, comment_id).status_code == 403


def test_a_tokenless_reader_without_an_address_cannot_vote(alpha, comment_id):
    response = vote(Api(alpha), comment_id, ip="")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "reader_unknown"


def test_a_refused_vote_leaves_no_reader_behind(alpha, comment_id):
    vote(Api(alpha), comment_id)
    with schema_context(alpha.schema_name):
        from embed.models import Commenter

        before = Commenter.objects.count()
    for _ in range(5):
        vote(Api(alpha), comment_id)
    with schema_context(alpha.schema_name):
        assert Commenter.objects.count() == before


# Reports


def test_reports_from_new_readers_never_hold_a_comment_on_their_own(alpha, comment_id):
    settings_of(alpha, flag_threshold=1)
    for n in range(10):
        response = flag(Api(alpha), comment_id, ip=f"198.51.{n}.1")
        assert response.status_code == 200 and response.json()["flagged"] is True
    assert status_of(alpha, comment_id) == "published"
    with schema_context(alpha.schema_name):
        assert Flag.objects.filter(trusted=False).count() == 10
    # They count half once a known reader agrees: 1 + 10/2 >= 3.
    settings_of(alpha, flag_threshold=3)
    assert flag(known_reader(alpha), comment_id).status_code == 200
    assert status_of(alpha, comment_id) == "pending"


def test_tokenless_reports_from_one_network_are_taken_once(alpha, comment_id):
    for n in range(20):
        assert flag(Api(alpha), comment_id, ip=f"203.0.113.{n}").status_code == 200
    with schema_context(alpha.schema_name):
        assert Flag.objects.count() == 1


def test_a_new_readers_report_weighs_half(alpha, comment_id):
    settings_of(alpha, flag_threshold=2)
    assert flag(known_reader(alpha), comment_id).status_code == 200
    assert flag(Api(alpha), comment_id, ip="198.51.100.1").status_code == 200
    assert status_of(alpha, comment_id) == "published"  # 1 + 0.5 < 2
    assert flag(Api(alpha), comment_id, ip="198.51.101.1").status_code == 200
    assert status_of(alpha, comment_id) == "pending"  # 1 + 0.5 + 0.5
    with schema_context(alpha.schema_name):
        assert Comment.objects.get(pk=comment_id).reasons == ["3 reader reports"]


def test_known_readers_hold_a_comment_at_the_threshold(alpha, comment_id):
    settings_of(alpha, flag_threshold=2)
    flag(known_reader(alpha), comment_id)
    assert status_of(alpha, comment_id) == "published"
    flag(known_reader(alpha), comment_id)
    assert status_of(alpha, comment_id) == "pending"


# A closed thread is frozen for readers


@pytest.fixture
def closed(api, alpha) -> dict:
    """A closed thread with the reader's own comment (still in its edit window) on it."""
    mine = api.post_comment("my comment").json()
    other = known_reader(alpha)
    theirs = other.post_comment("their comment").json()
    with schema_context(alpha.schema_name):
        Thread.objects.filter(url=PAGE).update(closed=True)
    return {"mine": mine["id"], "theirs": theirs["id"]}


def assert_closed(response) -> None:
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "thread_closed"


def test_a_closed_thread_refuses_every_reader_write(api, alpha, closed):
    mine, theirs = closed["mine"], closed["theirs"]
    assert_closed(api.post_comment("a new one"))
    assert_closed(api.post_comment("a reply", parent=theirs))
    assert_closed(api.send("PATCH", f"/api/v1/comments/{mine}", {"body": "changed"}))
    assert_closed(api.send("DELETE", f"/api/v1/comments/{mine}"))
    assert_closed(vote(api, theirs))
    assert_closed(vote(Api(alpha), theirs, ip="198.51.100.1"))
    assert_closed(flag(api, theirs))
    body = api.thread().json()
    assert body["thread"]["closed"] is True
    assert [(c["html"], c["score"]) for c in body["comments"]] == [
        ("<p>my comment</p>", 0),
        ("<p>their comment</p>", 0),
    ]
    with schema_context(alpha.schema_name):
        assert not Vote.objects.exists() and not Flag.objects.exists()


def test_a_thread_past_its_auto_close_age_is_frozen_too(api, alpha):
    theirs = known_reader(alpha).post_comment("old news").json()["id"]
    with schema_context(alpha.schema_name):
        Thread.objects.filter(url=PAGE).update(created=timezone.now() - timedelta(days=31))
    settings_of(alpha, auto_close_days=30)
    assert_closed(vote(api, theirs))
    assert_closed(flag(api, theirs))
    with schema_context(alpha.schema_name):
        assert Thread.objects.get(url=PAGE).closed is True  # and it stays closed
    assert api.thread().json()["thread"]["closed"] is True


def test_moderators_still_act_on_a_closed_thread(api, alpha, closed, staff_client):
    owner = staff_client(alpha)
    response = owner.post(f"/api/v1/admin/comments/{closed['theirs']}/reject")
    assert response.status_code == 200
    assert [c["html"] for c in api.thread().json()["comments"]] == ["<p>my comment</p>"]
    reopened = owner.post(f"/api/v1/admin/threads/{api.thread().json()['thread']['id']}/reopen")
    assert reopened.status_code == 200
    assert vote(api, closed["mine"]).status_code == 200
