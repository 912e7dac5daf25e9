"""Moderator alerts: an e-mail per held comment or a digest, with approve/reject links that
are signed for the site, single-use and expiring. Mail goes to a real SMTP server."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tenants.utils import schema_context

from embed.models import ActionLink, AlertPreference, AuditEntry, Comment
from embed.notifications.tasks import alert_digests
from embed.site import site_settings_update
from tests.conftest import OWNER_PASSWORD, Api
from tests.mailsink import parts
from tests.notify_support import link_in, local

pytestmark = pytest.mark.django_db

OWNER = "owner@alpha.example"


def hold_everything(tenant) -> None:
    with schema_context(tenant.schema_name):
        site_settings_update(moderation_mode="pre")


def held_comment(tenant, committed, body: str = "Please review me") -> dict:
    url = f"https://{tenant.slug}.example/posts/held"
    with committed():
        response = Api(tenant).post_comment(body, url=url, author_name="Hal")
    assert response.status_code == 202
    return response.json()


def test_a_held_comment_alerts_the_moderators_at_once(alpha, eager, mail_sink):
    hold_everything(alpha)
    comment = held_comment(alpha, eager)
    (alert,) = mail_sink.wait_for(lambda got: len(got) == 1)
    assert alert["To"] == OWNER
    assert alert["Subject"].startswith("Held for review: a comment by Hal")
    text, html = parts(alert)
    assert "Please review me" in text and "Please review me" in html
    assert f"/dashboard/comments/{comment['id']}/" in text
    assert link_in(text, "moderate") in html


def test_the_approve_link_acts_once_on_post_only(alpha, eager, mail_sink, client_for):
    hold_everything(alpha)
    comment = held_comment(alpha, eager)
    (alert,) = mail_sink.wait_for(lambda got: len(got) == 1)
    text = parts(alert)[0]
    approve = local(link_in(text.split("Approve: ")[1], "moderate"))
    reject = local(link_in(text.split("Reject: ")[1], "moderate"))
    client = client_for(alpha)  # no session: the link is the credential
    page = client.get(approve)
    assert page.status_code == 200 and b"Please review me" in page.content
    with schema_context(alpha.schema_name):
        assert Comment.objects.get(pk=comment["id"]).status == "pending"
    with eager():
        assert client.post(approve).status_code == 200
    with schema_context(alpha.schema_name):
        assert Comment.objects.get(pk=comment["id"]).status == "published"
        entry = AuditEntry.objects.get(target=f"comment {comment['id']}")
        assert entry.actor is not None
        assert (entry.action, entry.actor.email) == ("approve", OWNER)
    # Single use: neither link of this alert does anything now.
    assert client.post(approve).status_code == 410
    assert client.post(reject).status_code == 410
    with schema_context(alpha.schema_name):
        assert Comment.objects.get(pk=comment["id"]).status == "published"


def test_an_expired_link_does_nothing(alpha, eager, mail_sink, client_for):
    hold_everything(alpha)
    comment = held_comment(alpha, eager)
    (alert,) = mail_sink.wait_for(lambda got: len(got) == 1)
    reject = local(link_in(parts(alert)[0].split("Reject: ")[1], "moderate"))
    with schema_context(alpha.schema_name):
        ActionLink.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert client_for(alpha).post(reject).status_code == 410
    with schema_context(alpha.schema_name):
        assert Comment.objects.get(pk=comment["id"]).status == "pending"


def test_a_link_is_worthless_on_another_site_and_when_forged(alpha, beta, eager, mail_sink,
                                                            client_for):  # fmt: skip
    hold_everything(alpha)
    hold_everything(beta)
    held_comment(beta, eager, "Beta's held comment")  # beta has a link row of its own
    mail_sink.clear()
    comment = held_comment(alpha, eager)
    (alert,) = mail_sink.wait_for(lambda got: len(got) == 1)
    approve = local(link_in(parts(alert)[0], "moderate"))
    assert client_for(beta).get(approve).status_code == 404
    assert client_for(beta).post(approve).status_code == 404
    assert client_for(alpha).post(approve[:-2] + "xx").status_code == 404
    with schema_context(alpha.schema_name):
        assert Comment.objects.get(pk=comment["id"]).status == "pending"


def test_a_moderator_who_lost_the_role_cannot_use_their_link(alpha, eager, mail_sink,
                                                             client_for):  # fmt: skip
    with schema_context(alpha.schema_name):
        get_user_model().objects.create_user(
            username="mod@alpha.example", email="mod@alpha.example",
            password=OWNER_PASSWORD, is_staff=True,
        )  # fmt: skip
        owner = get_user_model().objects.get(email=OWNER)
        AlertPreference.objects.create(user=owner, mode="off")
    hold_everything(alpha)
    comment = held_comment(alpha, eager)
    (alert,) = mail_sink.wait_for(lambda got: len(got) == 1)
    assert alert["To"] == "mod@alpha.example"
    with schema_context(alpha.schema_name):
        get_user_model().objects.filter(email="mod@alpha.example").update(is_staff=False)
    approve = local(link_in(parts(alert)[0], "moderate"))
    assert client_for(alpha).post(approve).status_code == 410
    with schema_context(alpha.schema_name):
        assert Comment.objects.get(pk=comment["id"]).status == "pending"


def test_digest_moderators_get_one_email_for_many_held_comments(alpha, eager, mail_sink,
                                                                staff_client):  # fmt: skip
    owner = staff_client(alpha)
    response = owner.put(
        "/api/v1/admin/alerts", {"mode": "hourly"}, content_type="application/json"
    )
    assert response.json() == {"mode": "hourly"}
    hold_everything(alpha)
    for n in range(3):
        held_comment(alpha, eager, f"Held number {n}")
    assert not mail_sink.messages  # nothing at once
    with schema_context(alpha.schema_name), eager():
        alert_digests.delay(mode="hourly")
        alert_digests.delay(mode="daily")  # nobody chose daily
    (digest,) = mail_sink.wait_for(lambda got: len(got) == 1)
    assert digest["Subject"] == "3 comments held for review"
    text = parts(digest)[0]
    assert all(f"Held number {n}" in text for n in range(3))
    assert text.count("/mail/moderate/") == 6
    # The next digest covers only what was held since.
    with schema_context(alpha.schema_name), eager():
        alert_digests.delay(mode="hourly")
    assert len(mail_sink.messages) == 1
    held_comment(alpha, eager, "Held later")
    with schema_context(alpha.schema_name), eager():
        alert_digests.delay(mode="hourly")
    assert len(mail_sink.messages) == 2
    assert "Held later" in parts(mail_sink.messages[1])[0]
    assert "Held number" not in parts(mail_sink.messages[1])[0]


def test_an_alert_is_sent_once_however_often_the_task_runs(alpha, eager, mail_sink):
    from embed.notifications.tasks import held_alert

    hold_everything(alpha)
    comment = held_comment(alpha, eager)
    with schema_context(alpha.schema_name), eager():
        held_alert.delay(comment_id=comment["id"])
    mail_sink.wait_for(lambda got: len(got) >= 1)
    assert len(mail_sink.messages) == 1
