"""Sign-in with a site's own accounts: Disqus-style remote_auth_s3 and HS256 JWT payloads,
every reason one is refused, key rotation, and that nothing of site A works on site B."""

import base64
import hashlib
import hmac
import time
from datetime import timedelta

import jwt
import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from embed.models import AuditEntry, Comment, Commenter, ReaderIdentity, SiteSettings
from embed.site import site_settings_update
from tests.conftest import PAGE, Api, host_of
from tests.sso_support import JANE, disqus_payload, jwt_payload, sso_enable

SSO = "/api/v1/auth/sso"


def sign_in(api: Api, payload: str):
    return api.send("POST", SSO, {"payload": payload})


def refused(response, code: str) -> None:
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == code


@pytest.fixture
def secret(alpha) -> str:
    return sso_enable(alpha)


def test_a_disqus_payload_signs_the_reader_in(api, alpha, secret):
    response = sign_in(api, disqus_payload(secret, JANE))
    assert response.status_code == 200
    body = response.json()
    assert body["commenter"]["author"] == {
        "name": "Jane Reader", "avatar": JANE["avatar"], "badge": "member"
    }  # fmt: skip
    with schema_context(alpha.schema_name):
        identity = ReaderIdentity.objects.get()
        assert (identity.kind, identity.subject, identity.url) == ("sso", "u-42", JANE["url"])
        assert identity.commenter.email == "jane@readers.example"


def test_comments_carry_the_sso_name_avatar_and_badge(api, secret):
    api.token = sign_in(api, disqus_payload(secret, JANE)).json()["commenter_token"]
    # What a signed-in reader types as a name is ignored: the sign-in names them.
    assert api.post_comment("Signed in!", author_name="Someone Else").status_code == 201
    author = api.thread().json()["comments"][0]["author"]
    assert author == {"name": "Jane Reader", "avatar": JANE["avatar"], "badge": "member"}


def test_a_jwt_signs_the_reader_in(api, alpha, secret):
    response = sign_in(api, jwt_payload(secret, aud=host_of(alpha)))
    assert response.status_code == 200
    api.token = response.json()["commenter_token"]
    api.post_comment("Hello from a JWT")
    author = api.thread().json()["comments"][0]["author"]
    assert author["name"] == "Jane Reader"
    assert author["badge"] == "member"


def test_the_same_user_is_one_reader_and_their_details_follow_the_site(api, alpha, secret):
    first = sign_in(api, disqus_payload(secret, JANE)).json()["commenter"]["id"]
    renamed = {**JANE, "username": "Jane R.", "avatar": ""}
    again = sign_in(api, jwt_payload(secret, aud=host_of(alpha), name="Jane R.", picture=None))
    assert again.json()["commenter"]["id"] == first
    assert sign_in(api, disqus_payload(secret, renamed)).json()["commenter"]["id"] == first
    with schema_context(alpha.schema_name):
        assert Commenter.objects.get(pk=first).name == "Jane R."


def test_a_new_name_reaches_the_cached_thread(api, secret):
    api.token = sign_in(api, disqus_payload(secret, JANE)).json()["commenter_token"]
    api.post_comment("before the rename")
    assert api.thread().json()["comments"][0]["author"]["name"] == "Jane Reader"
    sign_in(api, disqus_payload(secret, {**JANE, "username": "Jane Q. Reader"}))
    assert api.thread().json()["comments"][0]["author"]["name"] == "Jane Q. Reader"


def test_a_reader_without_a_picture_gets_a_local_identicon(api, secret):
    no_picture = {k: v for k, v in JANE.items() if k != "avatar"}
    author = sign_in(api, disqus_payload(secret, no_picture)).json()["commenter"]["author"]
    assert author["avatar"].startswith("/avatars/") and author["avatar"].endswith(".svg")
    svg = api.get(author["avatar"])
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    assert "immutable" in svg["Cache-Control"]
    assert svg.content.startswith(b"<svg") and b"http" not in svg.content.replace(
        b"http://www.w3.org/2000/svg", b""
    )


def test_gravatar_only_when_the_owner_turns_it_on(api, alpha, secret):
    no_picture = {k: v for k, v in JANE.items() if k != "avatar"}
    sign_in(api, disqus_payload(secret, no_picture))
    api.post_comment("a guest with an address", author_name="Gus", author_email="gus@x.example")
    guest = api.thread().json()["comments"][0]["author"]
    assert guest["avatar"] is None and guest["badge"] is None
    with schema_context(alpha.schema_name):
        site_settings_update(gravatar=True)
    guest = api.thread().json()["comments"][0]["author"]
    digest = hashlib.sha256(b"gus@x.example").hexdigest()
    assert guest["avatar"] == f"https://www.gravatar.com/avatar/{digest}?s=96&d=identicon"


def test_the_site_team_gets_their_badges(api, alpha, secret, staff_client):
    staff_client(alpha, role="moderator")
    owner = {**JANE, "id": "u-1", "email": "Owner@Alpha.example", "username": "The Owner"}
    mod = {**JANE, "id": "u-2", "email": "moderator@alpha.example", "username": "Mo"}
    badge = lambda user: sign_in(api, disqus_payload(secret, user)).json()["commenter"]  # noqa: E731
    assert badge(owner)["author"]["badge"] == "owner"
    assert badge(mod)["author"]["badge"] == "moderator"


def test_a_site_without_a_secret_accepts_no_payload(api, alpha):
    with schema_context(alpha.schema_name):
        site_settings_update(sso_enabled=True)
    refused(sign_in(api, disqus_payload("", JANE)), "sso_bad_signature")


def test_a_payload_that_is_not_text_is_a_bad_request(api, secret):
    response = api.send("POST", SSO, {"payload": 42})
    assert response.status_code == 400
    assert "payload" in response.json()["error"]["fields"]


def test_sso_is_refused_while_the_site_has_it_off(api, alpha, secret):
    with schema_context(alpha.schema_name):
        site_settings_update(sso_enabled=False)
    response = sign_in(api, disqus_payload(secret, JANE))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "sso_disabled"


# Refusals, one test per reason.


def test_it_refuses_a_bad_signature(api, secret):
    refused(sign_in(api, disqus_payload("not-the-secret", JANE)), "sso_bad_signature")
    message, signature, stamp = disqus_payload(secret, JANE).split(" ")
    other = base64.b64encode(b'{"id": "1", "username": "Mallory"}').decode()
    refused(sign_in(api, f"{other} {signature} {stamp}"), "sso_bad_signature")
    refused(sign_in(api, f"{message} {signature} {int(stamp) + 1}"), "sso_bad_signature")


def test_it_refuses_an_old_payload(api, secret):
    old = int(time.time()) - 2 * 3600 - 5
    refused(sign_in(api, disqus_payload(secret, JANE, timestamp=old)), "sso_expired")
    recent = int(time.time()) - 2 * 3600 + 60
    assert sign_in(api, disqus_payload(secret, JANE, timestamp=recent)).status_code == 200


def test_it_refuses_a_payload_from_the_future(api, secret):
    ahead = int(time.time()) + 10 * 60
    refused(sign_in(api, disqus_payload(secret, JANE, timestamp=ahead)), "sso_not_yet_valid")
    slightly = int(time.time()) + 60  # a site's clock a minute fast is fine
    assert sign_in(api, disqus_payload(secret, JANE, timestamp=slightly)).status_code == 200


@pytest.mark.parametrize(
    "payload",
    [
        "just one part",
        "a b",
        "bWVzc2FnZQ== deadbeef 123",  # the signature is not 40 hex digits
        "bWVzc2FnZQ== " + "a" * 40 + " soon",
        "no-dots-and-no-spaces",
        "a.b.c",  # not a JWT
        "x" * 9000,
        "",
        "   ",
    ],
)
def test_it_refuses_malformed_payloads(api, secret, payload):
    refused(sign_in(api, payload), "sso_malformed")


@pytest.mark.parametrize(
    ("user", "why"),
    [
        ({"username": "No Id"}, "id"),
        ({"id": "1"}, "username"),
        ({"id": "", "username": "Blank"}, "id"),
        ({"id": ["1"], "username": "List"}, "id"),
        ({"id": "1", "username": "\u202eevil"}, "username"),
        ({"id": "1", "username": "Ann", "email": "not an address"}, "email"),
        ({"id": "1", "username": "Ann", "avatar": "javascript:alert(1)"}, "avatar"),
        ({"id": "1", "username": "Ann", "url": "ftp://x.example/"}, "url"),
    ],
)
def test_it_refuses_a_payload_with_a_bad_field(api, secret, user, why):
    response = sign_in(api, disqus_payload(secret, user))
    refused(response, "sso_malformed")
    assert f"`{why}`" in response.json()["error"]["message"]


def test_it_refuses_a_payload_that_is_not_base64_json(api, secret):
    stamp = int(time.time())
    for message in ("not*base64", base64.b64encode(b"[1, 2]").decode(), "bm90IGpzb24="):
        signature = hmac.new(
            secret.encode(), f"{message} {stamp}".encode(), hashlib.sha1
        ).hexdigest()
        refused(sign_in(api, f"{message} {signature} {stamp}"), "sso_malformed")


def test_an_empty_disqus_payload_means_signed_out(api, secret):
    refused(sign_in(api, disqus_payload(secret, {})), "sso_signed_out")


def test_it_refuses_an_expired_jwt(api, alpha, secret):
    past = int(time.time()) - 3 * 3600
    token = jwt_payload(secret, aud=host_of(alpha), iat=past, exp=past + 3600)
    refused(sign_in(api, token), "sso_expired")


def test_it_refuses_a_jwt_from_the_future(api, alpha, secret):
    ahead = int(time.time()) + 3600
    refused(sign_in(api, jwt_payload(secret, aud=host_of(alpha), iat=ahead)), "sso_not_yet_valid")


def test_it_refuses_a_jwt_for_another_host(api, secret):
    refused(sign_in(api, jwt_payload(secret, aud="beta.example")), "sso_wrong_site")


def test_it_refuses_a_jwt_with_a_bad_signature(api, alpha, secret):
    refused(sign_in(api, jwt_payload("x" * 32, aud=host_of(alpha))), "sso_bad_signature")


@pytest.mark.parametrize("missing", ["sub", "exp", "iat", "aud", "name"])
def test_it_refuses_a_jwt_without_a_claim(api, alpha, secret, missing):
    claims: dict[str, str | None] = {"aud": host_of(alpha), missing: None}
    refused(sign_in(api, jwt_payload(secret, **claims)), "sso_malformed")


def test_it_refuses_other_jwt_algorithms(api, alpha, secret):
    now = int(time.time())
    claims = {"sub": "1", "name": "A", "iat": now, "exp": now + 60, "aud": host_of(alpha)}
    unsigned = jwt.encode(claims, None, algorithm="none")
    refused(sign_in(api, unsigned), "sso_malformed")
    hs512 = jwt.encode(claims, secret, algorithm="HS512")
    refused(sign_in(api, hs512), "sso_malformed")


# Key rotation.


def test_both_secrets_work_during_a_change_over(api, alpha, secret):
    with schema_context(alpha.schema_name):
        from embed.moderation.configure import sso_secret_rotate

        new = sso_secret_rotate(actor=None)
    assert sign_in(api, disqus_payload(secret, JANE)).status_code == 200
    assert sign_in(api, disqus_payload(new, JANE)).status_code == 200
    assert sign_in(api, jwt_payload(secret, aud=host_of(alpha))).status_code == 200
    with schema_context(alpha.schema_name):
        SiteSettings.objects.update(sso_previous_until=timezone.now() - timedelta(seconds=1))
    refused(sign_in(api, disqus_payload(secret, JANE)), "sso_bad_signature")
    refused(sign_in(api, jwt_payload(secret, aud=host_of(alpha))), "sso_bad_signature")
    assert sign_in(api, jwt_payload(new, aud=host_of(alpha))).status_code == 200


# Isolation: site A's payloads, tokens and names are nothing on site B.


def test_a_payload_for_one_site_is_worthless_on_another(api_for, alpha, beta, secret):
    sso_enable(beta)
    on_beta = api_for(beta)
    refused(sign_in(on_beta, disqus_payload(secret, JANE)), "sso_bad_signature")
    refused(sign_in(on_beta, jwt_payload(secret, aud=host_of(alpha))), "sso_bad_signature")
    with schema_context(beta.schema_name):
        assert not ReaderIdentity.objects.exists()


def test_a_jwt_signed_with_a_shared_secret_still_names_its_site(api_for, alpha, beta, secret):
    # An owner who gave two sites the same secret: `aud` keeps their payloads apart.
    with schema_context(beta.schema_name):
        site_settings_update(sso_enabled=True, sso_secret=secret)
    refused(sign_in(api_for(beta), jwt_payload(secret, aud=host_of(alpha))), "sso_wrong_site")


def test_a_signed_in_token_of_one_site_is_worthless_on_another(api_for, alpha, beta, secret):
    token = sign_in(api_for(alpha), disqus_payload(secret, JANE)).json()["commenter_token"]
    on_beta = api_for(beta)
    on_beta.token = token
    response = on_beta.post_comment("hi", url="https://beta.example/p")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


# Names and signed-in-only sites.


def test_a_guest_cannot_take_a_signed_in_readers_name(api, api_for, alpha, beta, secret):
    sign_in(api, disqus_payload(secret, JANE))
    guest = api_for(alpha)
    response = guest.post_comment("I am Jane", author_name="jane READER")
    assert response.status_code == 400
    assert "signed-in reader" in response.json()["error"]["fields"]["author_name"][0]
    assert guest.post_comment("I am Jane too", author_name="Jane Reader II").status_code == 201
    # The name is Jane's on alpha only.
    on_beta = api_for(beta).post_comment(
        "hi", url="https://beta.example/p", author_name="Jane Reader"
    )
    assert on_beta.status_code == 201


def test_a_guest_who_had_the_name_first_loses_it_to_the_signed_in_reader(
    api, api_for, alpha, secret
):
    guest = api_for(alpha)
    assert guest.post_comment("first", author_name="Jane Reader").status_code == 201
    sign_in(api, disqus_payload(secret, JANE))
    assert guest.post_comment("again", author_name="Jane Reader").status_code == 400


def test_a_site_for_signed_in_readers_refuses_guests_only(api, api_for, alpha, secret):
    guest = api_for(alpha)
    guest.post_comment("before the change")
    with schema_context(alpha.schema_name):
        site_settings_update(guests_allowed=False)
    response = guest.post_comment("a guest with a token")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "guests_not_allowed"
    api.token = sign_in(api, disqus_payload(secret, JANE)).json()["commenter_token"]
    assert api.post_comment("signed in", author_name="").status_code == 201
    with schema_context(alpha.schema_name):
        assert Comment.objects.filter(author__badge="member").count() == 1
    assert api.thread(url=PAGE).json()["site"]["guests_allowed"] is False


def test_the_thread_tells_the_widget_the_sites_sign_in_pages(api, alpha, secret):
    with schema_context(alpha.schema_name):
        site_settings_update(login_url="https://alpha.example/login", logout_url="")
    assert api.thread().json()["site"]["sso"] == {
        "login_url": "https://alpha.example/login", "logout_url": None, "email": False
    }  # fmt: skip
    with schema_context(alpha.schema_name):
        site_settings_update(sso_enabled=False)
        assert AuditEntry.objects.filter(action="sso_secret").count() == 1
    assert api.thread().json()["site"]["sso"] is None


def test_identicons_differ_between_sites_for_the_same_reader_id(alpha, beta):
    from embed.avatars import identicon_seed

    with schema_context(alpha.schema_name):
        on_alpha = identicon_seed(1)
    with schema_context(beta.schema_name):
        on_beta = identicon_seed(1)
    assert on_alpha != on_beta


def test_badges_follow_team_changes_at_once(api, alpha, secret, staff_client):
    staff_client(alpha, role="moderator")
    mod = {**JANE, "id": "u-2", "email": "moderator@alpha.example", "username": "Mo"}
    api.token = sign_in(api, disqus_payload(secret, mod)).json()["commenter_token"]
    api.post_comment("As a moderator")
    assert api.thread().json()["comments"][0]["author"]["badge"] == "moderator"
    owner = staff_client(alpha)
    team = owner.get("/api/v1/admin/team").json()["results"]
    member = next(m for m in team if m["email"] == "moderator@alpha.example")
    assert owner.delete(f"/api/v1/admin/team/{member['id']}").status_code == 204
    assert api.thread().json()["comments"][0]["author"]["badge"] == "member"
