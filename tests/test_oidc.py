"""Sign-in with the site's OpenID Connect providers, against a real provider on loopback
(tests/oidc_provider: django-oauth-toolkit, RS256, PKCE required): the popup's start and
callback pages, the guest's comments joining the account, every refusal, and isolation."""

import json
import re
import secrets
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import schema_context

from embed.models import AuditEntry, Comment, Commenter, OidcProvider, ReaderIdentity
from embed.moderation.providers import oidc_provider_create
from embed.tokens import commenter_token_read
from tenants.models import Tenant
from tests.conftest import Api, host_of
from tests.oidc_support import ADA, OLIVE
from tests.oidc_support import OidcProvider as RealProvider

ORIGIN = "https://alpha.example"


@pytest.fixture(autouse=True)
def _loopback_provider(settings) -> None:
    settings.OIDC_ALLOW_PRIVATE = True  # the tests' provider is on 127.0.0.1


def provider_on(tenant: Tenant, real: RealProvider, **fields: str) -> OidcProvider:
    """A provider of `tenant` (made as its owner makes it) registered with `real`."""
    client_id, secret = f"palaver-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
    with schema_context(tenant.schema_name):
        owner = get_user_model().objects.get(email=f"owner@{tenant.slug}.example")
        provider = oidc_provider_create(
            actor=owner, kind="oidc", name="Test ID", issuer=real.issuer,
            client_id=client_id, client_secret=secret, **fields,
        )  # fmt: skip
    callback = f"http://{host_of(tenant)}/auth/oidc/{provider.pk}/callback"
    real.register(client_id=client_id, client_secret=secret, redirect_uris=[callback])
    return provider


def posted(response) -> Any:
    """What the popup's page posts to the widget (None when it posts nothing)."""
    match = re.search(
        r'<script id="palaver-signin" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1)) if match else None


def start(client: Client, provider: OidcProvider, origin: str = ORIGIN, **extra: str):
    return client.get(f"/auth/oidc/{provider.pk}/start", {"origin": origin, **extra})


def callback_path(location: str) -> str:
    parts = urllib.parse.urlsplit(location)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def provider(alpha: Tenant, oidc_provider: RealProvider) -> OidcProvider:
    return provider_on(alpha, oidc_provider)


@pytest.fixture
def popup(client_for: Callable[[Tenant], Client], alpha: Tenant) -> Client:
    return client_for(alpha)


def test_a_reader_signs_in_and_the_token_goes_to_the_page_origin_only(
    popup, provider, oidc_provider, alpha, api
):
    started = start(popup, provider)
    assert started.status_code == 302
    assert started["Referrer-Policy"] == "no-referrer"
    authorize = urllib.parse.urlsplit(started["Location"])
    query = urllib.parse.parse_qs(authorize.query)
    assert f"{authorize.scheme}://{authorize.netloc}" == f"http://127.0.0.1:{oidc_provider.port}"
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["nonce"] and query["state"] and query["scope"] == ["openid email profile"]
    assert query["redirect_uri"] == [f"http://{host_of(alpha)}/auth/oidc/{provider.pk}/callback"]

    done = popup.get(callback_path(oidc_provider.log_in(started["Location"])))
    assert done.status_code == 200
    assert done["Cross-Origin-Opener-Policy"] == "unsafe-none"
    assert "script-src 'nonce-" in done["Content-Security-Policy"]
    post = posted(done)
    assert post["origin"] == ORIGIN
    message = post["message"]
    assert message["type"] == "palaver:signin"
    assert message["commenter"]["author"]["name"] == "Ada Lovelace"
    with schema_context(alpha.schema_name):
        reader_id = commenter_token_read(message["commenter_token"])
        assert reader_id is not None
        identity = ReaderIdentity.objects.get(commenter_id=reader_id)
        assert identity.kind == "oidc"
        assert identity.subject == f"{oidc_provider.issuer} 1"
        reader = Commenter.objects.get(pk=reader_id)
        assert (reader.name, reader.email) == ("Ada Lovelace", ADA["email"])
        assert reader.avatar == "https://pictures.example/ada.png"

    # The token is the site's commenter token: the reader posts under the provider's name.
    api.token = message["commenter_token"]
    answer = api.post_comment("Signed in with my provider", author_name="")
    assert answer.status_code == 201
    assert answer.json()["author"]["name"] == "Ada Lovelace"


def test_a_second_sign_in_finds_the_same_reader(popup, provider, oidc_provider, alpha):
    tokens = []
    for _ in range(2):
        started = start(popup, provider)
        done = popup.get(callback_path(oidc_provider.log_in(started["Location"])))
        tokens.append(posted(done)["message"]["commenter_token"])
    with schema_context(alpha.schema_name):
        assert len({commenter_token_read(token) for token in tokens}) == 1
        assert ReaderIdentity.objects.filter(kind="oidc").count() == 1


def test_a_guests_comments_join_the_account(popup, provider, oidc_provider, alpha, api):
    assert api.post_comment("Written as a guest").status_code == 201
    guest_token = api.token
    before = api.thread().json()["comments"][0]
    assert before["author"]["name"] == "Ann"

    started = start(popup, provider, guest=guest_token)
    done = popup.get(callback_path(oidc_provider.log_in(started["Location"])))
    message = posted(done)["message"]
    with schema_context(alpha.schema_name):
        reader_id = commenter_token_read(message["commenter_token"])
        assert list(Comment.objects.values_list("author_id", flat=True)) == [reader_id]
    # The thread's cached page moved with it (bumped after COMMIT).
    after = Api(alpha).thread().json()["comments"][0]
    assert after["id"] == before["id"]
    assert after["author"]["name"] == "Ada Lovelace"


def test_another_sites_guest_token_joins_nothing(
    popup, provider, oidc_provider, alpha, beta, api_for
):
    beta_api = api_for(beta)
    assert beta_api.post_comment("On beta", url="https://beta.example/p").status_code == 201
    started = start(popup, provider, guest=beta_api.token)
    done = popup.get(callback_path(oidc_provider.log_in(started["Location"])))
    assert posted(done)["message"]["commenter_token"]
    with schema_context(beta.schema_name):
        assert Comment.objects.get().author.name == "Ann"


def test_it_refuses_an_origin_the_site_does_not_allow(popup, provider):
    for origin in ("https://evil.example", "not an origin", "https://alpha.example/path"):
        refused = start(popup, provider, origin=origin)
        assert refused.status_code == 403
        assert "not one of this site" in refused.content.decode()
        assert posted(refused) is None  # nothing is posted to a page the site does not allow
    assert start(popup, provider, origin="").status_code == 403


def test_a_replayed_or_forged_state_is_refused(popup, provider, oidc_provider):
    started = start(popup, provider)
    back = callback_path(oidc_provider.log_in(started["Location"]))
    assert popup.get(back).status_code == 200
    replayed = popup.get(back)
    assert replayed.status_code == 400
    assert posted(replayed) is None
    assert "expired or was started elsewhere" in replayed.content.decode()

    started = start(popup, provider)
    back = callback_path(oidc_provider.log_in(started["Location"]))
    forged = re.sub(r"state=[^&]+", "state=forged", back)
    assert popup.get(forged).status_code == 400
    # Another browser (no session of this sign-in) cannot finish it either.
    stranger = Client(HTTP_HOST=popup.defaults["HTTP_HOST"])
    assert stranger.get(back).status_code == 400


def test_a_reader_who_says_no_gets_a_readable_page_and_the_widget_is_told(popup, provider):
    started = start(popup, provider)
    state = urllib.parse.parse_qs(urllib.parse.urlsplit(started["Location"]).query)["state"][0]
    denied = popup.get(
        f"/auth/oidc/{provider.pk}/callback", {"error": "access_denied", "state": state}
    )
    assert denied.status_code == 400
    assert "cancelled" in denied.content.decode()
    post = posted(denied)
    assert post["origin"] == ORIGIN
    assert post["message"]["error"]["code"] == "denied"
    assert "commenter_token" not in post["message"]


def test_a_provider_that_is_down_gets_a_readable_page(popup, alpha, oidc_provider):
    from tests.servers import free_port

    with schema_context(alpha.schema_name):
        owner = get_user_model().objects.get(email="owner@alpha.example")
        down = oidc_provider_create(
            actor=owner, kind="oidc", name="Down", issuer=f"http://127.0.0.1:{free_port()}/o",
            client_id="x", client_secret="y",
        )  # fmt: skip
    answer = start(popup, down)
    assert answer.status_code == 502
    assert posted(answer)["message"]["error"]["code"] == "provider_error"


def test_private_addresses_are_refused_unless_allowed(popup, provider, settings):
    settings.OIDC_ALLOW_PRIVATE = False
    answer = start(popup, provider)
    assert answer.status_code == 502
    assert posted(answer)["message"]["error"]["code"] == "private_address"


def test_another_sites_provider_is_worthless_here(client_for, alpha, beta, oidc_provider):
    theirs = provider_on(beta, oidc_provider)
    here = client_for(alpha)
    assert start(here, theirs).status_code == 404
    answer = here.get(f"/auth/oidc/{theirs.pk}/callback", {"state": "x", "code": "y"})
    assert answer.status_code == 404


def test_a_sign_in_started_on_one_site_cannot_finish_on_another(
    popup, provider, oidc_provider, alpha, beta, client_for
):
    provider_on(beta, oidc_provider)  # beta has a provider with an id of its own
    started = start(popup, provider)
    back = callback_path(oidc_provider.log_in(started["Location"]))
    other = client_for(beta)
    other.cookies = popup.cookies  # even with alpha's cookie jar
    answer = other.get(back)
    assert answer.status_code in (400, 404)
    assert posted(answer) is None
    # And alpha's token is worthless on beta.
    done = popup.get(back)
    token = posted(done)["message"]["commenter_token"]
    with schema_context(beta.schema_name):
        assert commenter_token_read(token) is None
    with schema_context(alpha.schema_name):
        assert commenter_token_read(token) is not None


def test_a_disabled_provider_signs_nobody_in(popup, provider, alpha):
    with schema_context(alpha.schema_name):
        OidcProvider.objects.filter(pk=provider.pk).update(enabled=False)
    assert start(popup, provider).status_code == 404


def test_the_widget_learns_the_sites_providers(api, provider, alpha):
    site = api.thread().json()["site"]
    assert site["oidc"] == [{"id": provider.pk, "name": "Test ID"}]
    with schema_context(alpha.schema_name):
        assert AuditEntry.objects.filter(action="oidc.add").exists()


def test_only_a_guests_comments_join_an_account(alpha, api):
    from embed.accounts import guest_join_id

    assert api.post_comment("Mine, signed in elsewhere").status_code == 201
    with schema_context(alpha.schema_name):
        author_id = commenter_token_read(api.token or "")
        assert author_id is not None
        reader = Commenter.objects.create(name="Reader")
        ReaderIdentity.objects.create(commenter_id=author_id, kind="sso", subject="s-1")
        # Another account's comments never move by a browser's say-so.
        assert guest_join_id(guest_id=author_id, reader=reader) == 0
        assert guest_join_id(guest_id=None, reader=reader) == 0
        assert guest_join_id(guest_id=reader.pk, reader=reader) == 0
        assert guest_join_id(guest_id=10**9, reader=reader) == 0
        assert Comment.objects.get().author_id == author_id


def test_the_sites_owner_signs_in_with_the_owner_badge(popup, provider, oidc_provider):
    started = start(popup, provider)
    done = popup.get(callback_path(oidc_provider.log_in(started["Location"], user=OLIVE)))
    author = posted(done)["message"]["commenter"]["author"]
    assert (author["name"], author["badge"]) == ("Olive Owner", "owner")


def test_the_github_preset_sends_the_reader_to_github_with_pkce(popup, alpha):
    with schema_context(alpha.schema_name):
        owner = get_user_model().objects.get(email="owner@alpha.example")
        github = oidc_provider_create(
            actor=owner, kind="github", name="GitHub", client_id="Iv1.abc", client_secret="z"
        )
    started = start(popup, github)
    assert started.status_code == 302
    authorize = urllib.parse.urlsplit(started["Location"])
    assert f"{authorize.netloc}{authorize.path}" == "github.com/login/oauth/authorize"
    query = urllib.parse.parse_qs(authorize.query)
    assert query["client_id"] == ["Iv1.abc"] and query["scope"] == ["read:user user:email"]
    assert query["code_challenge_method"] == ["S256"] and query["state"]
