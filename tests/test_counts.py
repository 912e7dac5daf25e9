"""The count is what readers can read: the thread's `comment_count`, `/counts` and the tree
agree after every status change.

Every published comment is shown in its place; a hidden comment (deleted, rejected, spam,
held) that has published replies below it stays as an empty placeholder holding them.
"""

import pytest
from django_tenants.utils import schema_context

from embed.models import Comment
from embed.site import site_settings_update
from tests.conftest import PAGE, Api

pytestmark = pytest.mark.django_db


def readable(nodes: list[dict]) -> list[str]:
    """The text of every comment a reader can read, depth first."""
    found: list[str] = []
    for node in nodes:
        if not node["deleted"]:
            found.append(node["html"])
        found.extend(readable(node["replies"]))
    return found


def placeholders(nodes: list[dict]) -> list[int]:
    found: list[int] = []
    for node in nodes:
        if node["deleted"]:
            assert node["html"] == "" and node["author"]["name"] == "" and node["replies"]
            found.append(node["id"])
        found.extend(placeholders(node["replies"]))
    return found


def agree(api: Api) -> list[str]:
    """Check that the payload's count, /counts and the tree agree; return what is readable."""
    body = api.thread().json()
    shown = readable(body["comments"])
    assert body["thread"]["comment_count"] == len(shown)
    assert api.get("/api/v1/counts", {"url": PAGE}).json() == {PAGE: len(shown)}
    return shown


@pytest.fixture
def root_with_replies(api, alpha) -> dict:
    """A root comment by `api` with three published replies by another reader, and a second
    top-level comment."""
    root = api.post_comment("root").json()["id"]
    other = Api(alpha)
    replies = [other.post_comment(f"reply {n}", parent=root).json()["id"] for n in range(3)]
    other.post_comment("another thread of talk")
    assert agree(api) == [
        "<p>root</p>",
        "<p>reply 0</p>",
        "<p>reply 1</p>",
        "<p>reply 2</p>",
        "<p>another thread of talk</p>",
    ]
    return {"root": root, "replies": replies}


REPLIES_AND_OTHER = [
    "<p>reply 0</p>",
    "<p>reply 1</p>",
    "<p>reply 2</p>",
    "<p>another thread of talk</p>",
]


@pytest.mark.parametrize("action", ["reject", "spam", "delete"])
def test_a_moderator_hiding_a_root_keeps_its_replies_under_a_placeholder(
    api, alpha, staff_client, root_with_replies, action
):
    owner = staff_client(alpha)
    root = root_with_replies["root"]
    assert owner.post(f"/api/v1/admin/comments/{root}/{action}").status_code == 200
    assert agree(api) == REPLIES_AND_OTHER
    assert placeholders(api.thread().json()["comments"]) == [root]

    assert owner.post(f"/api/v1/admin/comments/{root}/restore").status_code == 200
    assert agree(api)[0] == "<p>root</p>"
    assert api.thread().json()["thread"]["comment_count"] == 5


def test_the_author_deleting_a_root_keeps_its_replies_under_a_placeholder(api, root_with_replies):
    root = root_with_replies["root"]
    assert api.send("DELETE", f"/api/v1/comments/{root}").status_code == 204
    assert agree(api) == REPLIES_AND_OTHER
    assert placeholders(api.thread().json()["comments"]) == [root]


def test_a_root_held_by_reports_keeps_its_replies_under_a_placeholder(
    api, alpha, root_with_replies
):
    with schema_context(alpha.schema_name):
        site_settings_update(flag_threshold=1)
    reporter = Api(alpha)
    reporter.post_comment("I comment here too", url="https://alpha.example/other")
    root = root_with_replies["root"]
    reporter.send("POST", f"/api/v1/comments/{root}/flag", {"reason": "abuse"})
    with schema_context(alpha.schema_name):
        assert Comment.objects.get(pk=root).status == "pending"
    assert agree(api) == REPLIES_AND_OTHER


def test_a_hidden_reply_in_the_middle_keeps_the_replies_below_it(api, alpha, staff_client):
    root = api.post_comment("root").json()["id"]
    middle = api.post_comment("middle", parent=root).json()["id"]
    api.post_comment("below", parent=middle)
    assert staff_client(alpha).post(f"/api/v1/admin/comments/{middle}/reject").status_code == 200
    assert agree(api) == ["<p>root</p>", "<p>below</p>"]
    assert placeholders(api.thread().json()["comments"]) == [middle]


def test_hidden_comments_with_nothing_readable_below_them_disappear(api, alpha, staff_client):
    owner = staff_client(alpha)
    root = api.post_comment("root").json()["id"]
    reply = api.post_comment("reply", parent=root).json()["id"]
    owner.post(f"/api/v1/admin/comments/{reply}/spam")
    owner.post(f"/api/v1/admin/comments/{root}/reject")
    assert agree(api) == []
    assert api.thread().json()["comments"] == []


def test_hiding_everything_then_restoring_counts_back_up(api, alpha, staff_client):
    owner = staff_client(alpha)
    ids = [api.post_comment(f"c{n}").json()["id"] for n in range(3)]
    for pk in ids:
        owner.post(f"/api/v1/admin/comments/{pk}/reject")
    assert agree(api) == []
    owner.post("/api/v1/admin/comments/bulk", {"ids": ids, "action": "restore"}, "application/json")
    assert agree(api) == ["<p>c0</p>", "<p>c1</p>", "<p>c2</p>"]


def test_the_same_action_twice_changes_the_count_once(api, alpha, staff_client, root_with_replies):
    owner = staff_client(alpha)
    root = root_with_replies["root"]
    for _ in range(2):
        owner.post(f"/api/v1/admin/comments/{root}/reject")
    assert len(agree(api)) == 4
    for _ in range(2):
        owner.post(f"/api/v1/admin/comments/{root}/approve")
    assert len(agree(api)) == 5
    assert api.send("DELETE", f"/api/v1/comments/{root}").status_code == 204
    assert api.send("DELETE", f"/api/v1/comments/{root}").status_code == 204  # double click
    assert len(agree(api)) == 4
