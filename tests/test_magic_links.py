"""Sign-in by a link e-mailed to the reader: asking (the same answer for every address, rate
limits), the e-mail that really arrives at the SMTP sink, redeeming once within 15 minutes,
every refusal reason, a guest's comments joining the account, and that nothing of site A
works on site B."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from embed.magiclinks import FRAGMENT, code_digest, magic_link_mail
from embed.models import AuditEntry, Comment, Commenter, MagicLink, ReaderIdentity
from embed.moderation.retention import ip_purge, magic_links_purge
from embed.site import site_settings_update
from tests.conftest import PAGE, Api
from tests.mailsink import parts
from tests.sso_support import JANE, disqus_payload, sso_enable

pytestmark = pytest.mark.django_db

ASK = "/api/v1/auth/magic"
REDEEM = "/api/v1/auth/magic/redeem"
READER = "Reader@Mail.example"


def enable(tenant) -> None:
    with schema_context(tenant.schema_name):
        site_settings_update(email_sign_in=True)


@pytest.fixture
def on(alpha):
    enable(alpha)


def ask(api: Api, committed, email: str = READER, name: str = "Rita", url: str = PAGE):
    with committed():
        return api.send("POST", ASK, {"email": email, "name": name, "url": url})


def code_in(message) -> str:
    """The code of the sign-in link in an e-mail (plain and HTML parts carry the same link)."""
    text, html = parts(message)
    found = re.search(rf"(https://\S+)#{FRAGMENT}=([\w-]+)", text)
    assert found, text
    assert f"{found[1]}#{FRAGMENT}={found[2]}" in html
    return found[2]


def mailed_code(api: Api, committed, sink, **fields) -> str:
    assert ask(api, committed, **fields).status_code == 202
    (message,) = sink.wait_for(lambda got: len(got) == 1)
    sink.clear()
    return code_in(message)


def redeem(api: Api, code: str, guest_token: str | None = None):
    body = {"code": code} if guest_token is None else {"code": code, "guest_token": guest_token}
    return api.send("POST", REDEEM, body)


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code


def test_the_link_arrives_by_mail_and_signs_the_reader_in(api, alpha, on, eager, mail_sink):
    assert ask(api, eager).json() == {"minutes": 15}
    (message,) = mail_sink.wait_for(lambda got: len(got) == 1)
    assert message["To"] == "reader@mail.example"
    assert message["X-Palaver-Site"] == alpha.schema_name
    text, _ = parts(message)
    assert f"{PAGE}#{FRAGMENT}=" in text and "15 minutes" in text
    code = code_in(message)
    with schema_context(alpha.schema_name):
        link = MagicLink.objects.get()
        # Only a digest of the secret is kept, never the secret itself.
        assert link.digest == code_digest(code) and code not in str(link.__dict__)
        assert link.expires is not None
        assert timedelta(minutes=14) < link.expires - timezone.now() <= timedelta(minutes=15)

    response = redeem(api, code)
    assert response.status_code == 200, response.content
    body = response.json()
    author = body["commenter"]["author"]
    assert author["name"] == "Rita" and author["badge"] == "member"
    assert author["avatar"].startswith("/avatars/")  # an identicon made here
    with schema_context(alpha.schema_name):
        identity = ReaderIdentity.objects.get()
        assert (identity.kind, identity.subject) == ("email", "reader@mail.example")
        assert MagicLink.objects.get().used is not None

    api.token = body["commenter_token"]
    assert api.post_comment("Signed in by e-mail", author_name="Someone Else").status_code == 201
    shown = api.thread().json()["comments"][0]["author"]
    assert shown["name"] == "Rita" and shown["badge"] == "member"


def test_the_answer_is_the_same_for_every_address(api, on, eager, mail_sink):
    known = mailed_code(api, eager, mail_sink)
    assert redeem(api, known).status_code == 200
    answers = [ask(api, eager, email=address) for address in (READER, "nobody@else.example")]
    assert {(a.status_code, a.content) for a in answers} == {(202, b'{"minutes":15}')}


def test_the_mail_task_sends_each_link_once(api, alpha, on, eager, mail_sink):
    mailed_code(api, eager, mail_sink)
    with schema_context(alpha.schema_name):
        link = MagicLink.objects.get()
        assert link.sent is not None
        # A redelivered task finds the link sent and sends nothing (nor a new secret).
        assert magic_link_mail(link_id=link.pk) is False
        assert MagicLink.objects.get().digest == link.digest
    assert mail_sink.messages == []


def test_a_link_works_once(api, on, eager, mail_sink):
    code = mailed_code(api, eager, mail_sink)
    first = redeem(api, code)
    assert first.status_code == 200
    refused(redeem(api, code), 401, "magic_used")


def test_a_link_expires_after_15_minutes(api, alpha, on, eager, mail_sink):
    code = mailed_code(api, eager, mail_sink)
    with schema_context(alpha.schema_name):
        MagicLink.objects.update(expires=timezone.now() - timedelta(seconds=1))
    refused(redeem(api, code), 401, "magic_expired")


@pytest.mark.parametrize("code", ["", "not-a-code", "x" * 300])
def test_an_unknown_code_is_refused(api, on, code):
    refused(redeem(api, code), 401, "magic_invalid")


def test_a_code_of_site_a_is_worthless_on_site_b(api, api_for, alpha, beta, on, eager, mail_sink):
    enable(beta)
    code = mailed_code(api, eager, mail_sink)
    refused(redeem(api_for(beta), code), 401, "magic_invalid")
    with schema_context(beta.schema_name):
        assert not ReaderIdentity.objects.exists()
    assert redeem(api, code).status_code == 200  # still good at home
    # Asking on B for a page of A is refused: B's links lead only to B's pages.
    response = ask(api_for(beta), eager)
    assert response.status_code == 400 and "url" in response.json()["error"]["fields"]


def test_a_link_back_to_another_sites_page_is_refused(api, on, eager, mail_sink):
    response = ask(api, eager, url="https://beta.example/posts/hello")
    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]
    assert mail_sink.messages == []


def test_sign_in_by_email_is_off_until_the_owner_turns_it_on(api, alpha, eager, mail_sink):
    refused(ask(api, eager), 403, "magic_disabled")
    refused(redeem(api, "whatever"), 403, "magic_disabled")
    assert api.thread().json()["site"]["sso"] is None
    enable(alpha)
    assert api.thread().json()["site"]["sso"] == {
        "login_url": None, "logout_url": None, "email": True
    }  # fmt: skip
    code = mailed_code(api, eager, mail_sink)
    with schema_context(alpha.schema_name):
        site_settings_update(email_sign_in=False)
    refused(redeem(api, code), 403, "magic_disabled")  # a link sent before does not work


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"email": 42}, "email"),
        ({"name": "\u202eevil"}, "name"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": None}, "url"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, on, eager, mail_sink, fields, field):
    body = {"email": READER, "name": "Rita", "url": PAGE, **fields}
    with eager():
        response = api.send("POST", ASK, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert mail_sink.messages == []


def test_asking_is_limited_per_address_silently_and_per_ip_with_a_429(
    api, on, eager, mail_sink, settings
):
    settings.PALAVER_MAGIC_LIMITS = "ip=4/3600,email=2/900"
    for _ in range(3):
        assert ask(api, eager).status_code == 202
    # The third for one address answers the same, but sends nothing.
    mail_sink.wait_for(lambda got: len(got) == 2)
    assert ask(api, eager, email="other@mail.example").status_code == 202
    response = ask(api, eager, email="third@mail.example")
    refused(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert len(mail_sink.wait_for(lambda got: len(got) == 3)) == 3


def test_a_guests_comments_join_the_account(api, alpha, on, eager, mail_sink):
    api.post_comment("As a guest", author_name="Gus")
    api.post_comment("Still a guest", author_name="Gus")
    guest_token = api.token
    api.token = None
    code = mailed_code(api, eager, mail_sink, name="")
    with eager():
        response = redeem(api, code, guest_token=guest_token)
    assert response.status_code == 200
    reader = response.json()["commenter"]
    assert reader["author"]["name"] == "Gus"  # a new account keeps the guest's name
    with schema_context(alpha.schema_name):
        assert set(Comment.objects.values_list("author_id", flat=True)) == {reader["id"]}
    # The cached thread shows the new author at once.
    names = {c["author"]["name"] for c in api.thread().json()["comments"]}
    badges = {c["author"]["badge"] for c in api.thread().json()["comments"]}
    assert names == {"Gus"} and badges == {"member"}
    api.token = response.json()["commenter_token"]
    assert set(api.get("/api/v1/thread/me", {"url": PAGE}).json()["own"]) == {
        c["id"] for c in api.thread().json()["comments"]
    }


def test_only_a_guest_joins_and_only_on_its_own_site(
    api, api_for, alpha, beta, on, eager, mail_sink
):
    enable(beta)
    on_beta = api_for(beta)
    on_beta.post_comment("A guest on beta", url="https://beta.example/p")
    code = mailed_code(api, eager, mail_sink)
    assert redeem(api, code, guest_token=on_beta.token).status_code == 200
    with schema_context(beta.schema_name):
        assert Comment.objects.get().author.name == "Ann"
    # A signed-in reader's token is not a guest's: their comments stay theirs.
    secret = sso_enable(alpha)
    jane = api.send("POST", "/api/v1/auth/sso", {"payload": disqus_payload(secret, JANE)})
    api.token = jane.json()["commenter_token"]
    api.post_comment("Jane's")
    code = mailed_code(api, eager, mail_sink, email="second@mail.example", name="Sam")
    assert redeem(api, code, guest_token=api.token).status_code == 200
    with schema_context(alpha.schema_name):
        assert Comment.objects.get().author.name == "Jane Reader"


def test_the_sso_sign_in_joins_the_guests_comments_too(api, alpha):
    secret = sso_enable(alpha)
    api.post_comment("As a guest", author_name="Gus")
    response = api.send(
        "POST",
        "/api/v1/auth/sso",
        {"payload": disqus_payload(secret, JANE), "guest_token": api.token},
    )
    assert response.status_code == 200
    assert api.thread().json()["comments"][0]["author"]["name"] == "Jane Reader"


def test_a_returning_reader_is_one_reader_and_keeps_their_name(api, alpha, on, eager, mail_sink):
    first = redeem(api, mailed_code(api, eager, mail_sink)).json()["commenter"]
    again = redeem(api, mailed_code(api, eager, mail_sink, name="")).json()["commenter"]
    assert again["id"] == first["id"] and again["author"]["name"] == "Rita"
    renamed = redeem(api, mailed_code(api, eager, mail_sink, name="Rita R.")).json()
    assert renamed["commenter"]["author"]["name"] == "Rita R."
    with schema_context(alpha.schema_name):
        assert Commenter.objects.get(pk=first["id"]).name == "Rita R."


def test_names_of_signed_in_readers_stay_theirs(api, alpha, on, eager, mail_sink):
    redeem(api, mailed_code(api, eager, mail_sink))  # Rita
    # Another address asking for Rita's name gets a link, but it does not take the name.
    code = mailed_code(api, eager, mail_sink, email="impostor@mail.example", name="rita")
    response = redeem(api, code)
    assert response.status_code == 400 and "name" in response.json()["error"]["fields"]
    with schema_context(alpha.schema_name):
        assert MagicLink.objects.get(digest=code_digest(code)).used is None
    # Guests cannot take it either.
    guest = Api(alpha)
    response = guest.post_comment("hi", author_name="RITA")
    assert response.status_code == 400 and "author_name" in response.json()["error"]["fields"]


def test_the_teams_addresses_get_their_badges(api, alpha, on, eager, mail_sink):
    code = mailed_code(api, eager, mail_sink, email="owner@alpha.example", name="The Owner")
    assert redeem(api, code).json()["commenter"]["author"]["badge"] == "owner"


def test_the_owner_turns_it_on_in_the_admin_api_and_it_is_audited(alpha, staff_client):
    owner = staff_client(alpha)
    assert owner.get("/api/v1/admin/settings").json()["email_sign_in"] is False
    answer = owner.patch(
        "/api/v1/admin/settings", {"email_sign_in": True}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["email_sign_in"] is True
    with schema_context(alpha.schema_name):
        entry = AuditEntry.objects.filter(action="settings").latest("created")
        assert entry.detail == {"email_sign_in": True}


def test_old_links_are_purged_by_the_daily_job(api, alpha, beta, on, eager, mail_sink):
    mailed_code(api, eager, mail_sink)
    mailed_code(api, eager, mail_sink, email="two@mail.example")
    with schema_context(alpha.schema_name):
        first, second = MagicLink.objects.order_by("pk")
        MagicLink.objects.filter(pk=first.pk).update(expires=timezone.now() - timedelta(days=2))
        assert magic_links_purge() == 1
        assert list(MagicLink.objects.values_list("pk", flat=True)) == [second.pk]
        MagicLink.objects.update(expires=timezone.now() - timedelta(days=2))
        ip_purge.apply().get()  # the task as beat runs it
        assert not MagicLink.objects.exists()
