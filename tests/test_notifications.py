"""Reply e-mails: double opt-in, one e-mail per reply once it is visible to all, one-click
unsubscribe, caps and suppression, and links that work on their own site only. Mail goes
through Django's SMTP backend to a real SMTP server on loopback."""

import json

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from embed.models import Comment, MailAddress, MailSettings, ReplyNotice, Subscription
from embed.moderation.actions import comment_moderate
from embed.site import site_settings_update
from tests.conftest import PAGE, Api
from tests.mailsink import parts
from tests.notify_support import link_in, local

pytestmark = pytest.mark.django_db

READER = "reader@mail.example"


def post(api: Api, committed, body: str, **fields) -> dict:
    with committed():
        response = api.post_comment(body, **fields)
    assert response.status_code in (201, 202), response.content
    return response.json()


def subscribe_confirmed(api: Api, committed, sink, notify="replies") -> dict:
    """Ann posts asking for replies and confirms her address; returns her comment."""
    mine = post(api, committed, "My thoughts", author_email=READER, notify=notify)
    (confirmation,) = sink.wait_for(lambda got: len(got) >= 1)
    with committed():
        response = api.client.post(local(link_in(parts(confirmation)[0], "confirm")))
    assert response.status_code == 200
    sink.clear()
    return mine


def test_notify_without_an_email_address_is_refused_before_posting(api, alpha, eager):
    response = api.post_comment("Tell me", notify=True)
    assert response.status_code == 400
    assert "author_email" in response.json()["error"]["fields"]
    with schema_context(alpha.schema_name):
        assert not Comment.objects.exists()


def test_an_unknown_notify_value_is_a_400(api, eager):
    response = api.post_comment("Tell me", author_email=READER, notify="everything")
    assert response.status_code == 400
    assert "notify" in response.json()["error"]["fields"]


def test_nothing_but_the_confirmation_is_sent_before_the_address_is_confirmed(
    api, alpha, eager, mail_sink
):
    mine = post(api, eager, "My thoughts", author_email=READER, notify=True)
    (confirmation,) = mail_sink.wait_for(lambda got: len(got) == 1)
    assert confirmation["To"] == READER
    assert "Confirm" in confirmation["Subject"]
    text, html = parts(confirmation)
    confirm = link_in(text, "confirm")
    assert confirm.startswith("http://alpha.localhost:8000/mail/confirm/")
    assert confirm in html

    bob = Api(alpha)
    post(bob, eager, "A reply before confirming", parent=mine["id"])
    assert len(mail_sink.messages) == 1  # still only the confirmation

    # Opening the link (as a mail scanner does) confirms nothing; its button does.
    page = api.client.get(local(confirm))
    assert page.status_code == 200 and b'<form method="post">' in page.content
    with schema_context(alpha.schema_name):
        assert MailAddress.objects.get(email=READER).confirmed is None
    assert api.client.post(local(confirm)).status_code == 200
    with schema_context(alpha.schema_name):
        assert MailAddress.objects.get(email=READER).confirmed is not None


def test_a_confirmed_reader_gets_exactly_one_email_per_reply(api, alpha, eager, mail_sink):
    mine = subscribe_confirmed(api, eager, mail_sink)
    bob = Api(alpha)
    reply = post(bob, eager, "**Good** point <script>alert(1)</script>", parent=mine["id"],
                 author_name="Bob")  # fmt: skip
    (message,) = mail_sink.wait_for(lambda got: len(got) == 1)
    assert message["To"] == READER
    assert (
        message["Subject"] == 'Bob replied to your comment on "https://alpha.example/posts/hello"'
    )
    assert message["From"] == "Alpha <noreply@localhost>"
    text, html = parts(message)
    assert "Good point <script>alert(1)</script>" in text  # the text, as readers see it
    assert "<strong>Good</strong>" in html and "<script>" not in html
    assert f"{PAGE}#comment-{reply['id']}" in text
    assert f'href="{PAGE}#comment-{reply["id"]}"' in html
    unsubscribe = link_in(text, "unsubscribe")
    assert message["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in html

    # Running the fan-out again (a redelivered task) sends nothing new.
    from embed.outbox import comment_event

    with schema_context(alpha.schema_name), eager():
        comment_event.delay(kind="created", comment_id=reply["id"])
        comment_event.delay(kind="approved", comment_id=reply["id"])
    assert len(mail_sink.messages) == 1
    # Ann's own replies and comments elsewhere on the thread are not replies to her.
    post(api, eager, "Replying to myself", parent=mine["id"])
    post(Api(alpha), eager, "A new top-level comment")
    assert len(mail_sink.messages) == 1


def test_a_held_reply_sends_nothing_until_it_is_approved(api, alpha, eager, mail_sink):
    mine = subscribe_confirmed(api, eager, mail_sink)
    with schema_context(alpha.schema_name):
        site_settings_update(moderation_mode="pre")
        owner = __import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model()
        owner = owner.objects.get(email="owner@alpha.example")
    held = post(Api(alpha), eager, "Held reply", parent=mine["id"])
    assert held["status"] == "pending"
    assert not mail_sink.to(READER)  # the owner's alert only
    with schema_context(alpha.schema_name), eager():
        comment = Comment.objects.select_related("thread").get(pk=held["id"])
        comment_moderate(comment=comment, action="approve", actor=owner)
    (message,) = mail_sink.wait_for(lambda got: len(mail_sink.to(READER)) == 1) and mail_sink.to(
        READER
    )
    assert "Held reply" in parts(message)[0]
    # Removed and approved again: still the one e-mail.
    with schema_context(alpha.schema_name), eager():
        comment_moderate(comment=comment, action="delete", actor=owner)
        comment_moderate(comment=comment, action="restore", actor=owner)
    assert len(mail_sink.to(READER)) == 1


def test_spam_and_shadow_banned_replies_send_nothing(api, alpha, eager, mail_sink):
    mine = subscribe_confirmed(api, eager, mail_sink)
    spam = post(Api(alpha), eager, "Buy now", parent=mine["id"], hp="filled by a bot")
    with schema_context(alpha.schema_name):
        assert Comment.objects.get(pk=spam["id"]).status == Comment.Status.SPAM
    with schema_context(alpha.schema_name):
        from embed.moderation.bans import ban_create

        ban_create(kind="email", value="shadow@mail.example", shadow=True, actor=None)
    shadowed = post(
        Api(alpha), eager, "Shadowed", parent=mine["id"], author_email="shadow@mail.example"
    )
    assert shadowed["status"] == "published"  # as its author is told
    assert not mail_sink.to(READER)


def test_one_click_unsubscribe_stops_the_emails(api, alpha, eager, mail_sink):
    mine = subscribe_confirmed(api, eager, mail_sink)
    post(Api(alpha), eager, "First reply", parent=mine["id"])
    (message,) = mail_sink.wait_for(lambda got: len(got) == 1)
    unsubscribe = local(link_in(parts(message)[0], "unsubscribe"))
    # What a mail client sends for RFC 8058 one-click: a form POST, no cookies, no CSRF token.
    response = api.client.post(
        unsubscribe, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    post(Api(alpha), eager, "Second reply", parent=mine["id"])
    assert len(mail_sink.messages) == 1
    # Asking again, for the thread this time, needs no new confirmation: the address is known.
    post(api, eager, "Tell me of everything", notify="thread")
    post(Api(alpha), eager, "Third comment")
    assert len(mail_sink.messages) == 2


def test_a_thread_and_a_comment_subscription_make_one_email(api, alpha, eager, mail_sink):
    mine = subscribe_confirmed(api, eager, mail_sink)
    post(api, eager, "And the whole thread please", notify="thread")
    post(Api(alpha), eager, "Reply", parent=mine["id"])
    mail_sink.wait_for(lambda got: len(got) == 1)
    assert len(mail_sink.messages) == 1
    with schema_context(alpha.schema_name):
        assert Subscription.objects.count() == 2


def test_a_recipient_over_the_daily_cap_gets_no_more(api, alpha, eager, mail_sink):
    with schema_context(alpha.schema_name):
        MailSettings.objects.create(recipient_daily_cap=2)
    mine = subscribe_confirmed(api, eager, mail_sink)
    for n in range(3):
        post(Api(alpha), eager, f"Reply {n}", parent=mine["id"])
    assert len(mail_sink.messages) == 2
    with schema_context(alpha.schema_name):
        assert ReplyNotice.objects.filter(status="capped").count() == 1


def test_the_site_cap_holds_for_all_recipients(api, alpha, eager, mail_sink):
    with schema_context(alpha.schema_name):
        MailSettings.objects.create(site_hourly_cap=1)
    mine = subscribe_confirmed(api, eager, mail_sink)
    post(Api(alpha), eager, "Reply 1", parent=mine["id"])
    post(Api(alpha), eager, "Reply 2", parent=mine["id"])
    assert len(mail_sink.messages) == 1


def test_sender_name_and_reply_to_are_the_sites(api, alpha, eager, mail_sink):
    with schema_context(alpha.schema_name):
        MailSettings.objects.create(sender_name="Alpha Blog", reply_to="editor@alpha.example")
    post(api, eager, "Hello", author_email=READER, notify=True)
    (message,) = mail_sink.wait_for(lambda got: len(got) == 1)
    assert message["From"] == "Alpha Blog <noreply@localhost>"
    assert message["Reply-To"] == "editor@alpha.example"


def test_a_confirmation_goes_at_most_once_a_day(api, alpha, eager, mail_sink):
    post(api, eager, "One", author_email=READER, notify=True)
    post(api, eager, "Two", author_email=READER, notify="thread")
    post(Api(alpha), eager, "Three", author_email=READER, notify=True)
    mail_sink.wait_for(lambda got: len(got) >= 1)
    assert len(mail_sink.messages) == 1


def test_links_from_one_site_are_worthless_on_another(api, alpha, beta, eager, mail_sink):
    mine = subscribe_confirmed(api, eager, mail_sink)
    post(Api(alpha), eager, "Reply", parent=mine["id"])
    (message,) = mail_sink.wait_for(lambda got: len(got) == 1)
    text = parts(message)[0]
    # Beta has rows with the same ids: the links must not reach them.
    on_beta = Api(beta)
    post(on_beta, eager, "Beta", url="https://beta.example/p", author_email=READER, notify=True)
    for path in ("unsubscribe", "stop"):
        link = local(link_in(text, path))
        assert on_beta.client.get(link).status_code == 404
        assert on_beta.client.post(link).status_code == 404
    with schema_context(beta.schema_name):
        assert Subscription.objects.get().active
        assert MailAddress.objects.get().suppressed is None
    forged = local(link_in(text, "unsubscribe"))[:-3] + "abc"
    assert api.client.post(forged).status_code == 404


def test_stop_all_suppresses_the_address_until_it_confirms_again(api, alpha, eager, mail_sink):
    mine = subscribe_confirmed(api, eager, mail_sink)
    post(Api(alpha), eager, "Reply", parent=mine["id"])
    (message,) = mail_sink.wait_for(lambda got: len(got) == 1)
    assert api.client.post(local(link_in(parts(message)[0], "stop"))).status_code == 200
    post(Api(alpha), eager, "Another reply", parent=mine["id"])
    assert len(mail_sink.messages) == 1
    with schema_context(alpha.schema_name):
        assert MailAddress.objects.get().suppressed_reason == "unsubscribed"


def test_a_bounce_stops_all_mail_to_the_address_on_that_site(api, alpha, beta, eager, mail_sink):
    mine = subscribe_confirmed(api, eager, mail_sink)
    call_command("mail_suppress", READER, "--reason", "bounce", "--site", "alpha")
    post(Api(alpha), eager, "Reply", parent=mine["id"])
    # Asking again sends no new confirmation either.
    post(api, eager, "Again", author_email=READER, notify="thread")
    assert not mail_sink.messages
    with schema_context(alpha.schema_name):
        assert MailAddress.objects.get().suppressed_reason == "bounce"


def test_the_bounce_endpoint_needs_the_operators_token(public_client, alpha, settings, eager):
    settings.MAIL_EVENTS_TOKEN = "t" * 40
    with schema_context(alpha.schema_name):
        MailAddress.objects.create(email=READER)
    body = json.dumps({"email": READER, "type": "complaint"})
    url = "/api/v1/mail/events"
    assert public_client.post(url, body, content_type="application/json").status_code == 401
    wrong = {"HTTP_AUTHORIZATION": "Bearer " + "x" * 40}
    assert (
        public_client.post(url, body, content_type="application/json", **wrong).status_code == 401
    )
    right = {"HTTP_AUTHORIZATION": "Bearer " + "t" * 40}
    response = public_client.post(url, body, content_type="application/json", **right)
    assert response.status_code == 200, response.content
    assert response.json() == {"suppressed": ["alpha"]}
    with schema_context(alpha.schema_name):
        assert MailAddress.objects.get().suppressed_reason == "complaint"
    bad = json.dumps({"email": READER, "type": "nonsense"})
    response = public_client.post(url, bad, content_type="application/json", **right)
    assert response.status_code == 400
