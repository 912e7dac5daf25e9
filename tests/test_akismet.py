"""Akismet, the optional outside opinion on spam: a key of Akismet's form only, sent in the
body to the one fixed endpoint, asked outside the database transaction with a short timeout.

Only the HTTP call (urllib's urlopen, as the module uses it) is replaced, with autospec.
"""

import urllib.parse
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from embed.models import Comment, SiteSettings
from embed.policy import akismet
from embed.site import site_settings_update
from tests.test_admin_api import send
from tests.test_dashboard import settings_form

pytestmark = pytest.mark.django_db

KEY = "a1b2c3d4e5f6"


def configure(tenant, **fields: Any) -> None:
    with schema_context(tenant.schema_name):
        site_settings_update(**fields)


class Akismet:
    """The replaced urlopen, and what each call sent."""

    def __init__(self, urlopen: mock.MagicMock) -> None:
        self.urlopen = urlopen
        self.atomic_depths: list[int] = []

    def answer(self, text: str) -> None:
        self.urlopen.return_value.__enter__.return_value.read.return_value = text.encode()

    @property
    def requests(self) -> list[Any]:
        return [call.args[0] for call in self.urlopen.call_args_list]

    def form(self, index: int = -1) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.requests[index].data.decode()))


@pytest.fixture
def outside() -> Iterator[Akismet]:
    with mock.patch.object(akismet.urllib.request, "urlopen", autospec=True) as urlopen:
        recorder = Akismet(urlopen)

        def record(*args: Any, **kwargs: Any) -> Any:
            recorder.atomic_depths.append(len(connection.atomic_blocks))
            return mock.DEFAULT

        urlopen.side_effect = record
        recorder.answer("false")
        yield recorder


def test_it_sends_the_key_in_the_body_to_the_fixed_endpoint(api, alpha, outside):
    configure(alpha, akismet_key=KEY, spam_filter=True)
    outside.answer("true")

    response = api.post_comment("Perfectly normal words")

    assert response.json()["status"] == "spam"
    with schema_context(alpha.schema_name):
        assert "Akismet: spam" in Comment.objects.get(pk=response.json()["id"]).reasons
    (request,) = outside.requests
    assert request.full_url == "https://rest.akismet.com/1.1/comment-check"
    assert request.get_method() == "POST"
    assert KEY not in request.full_url
    form = outside.form()
    assert form["api_key"] == KEY
    assert form["comment_content"] == "Perfectly normal words"
    assert form["comment_author"] == "Ann"
    assert form["user_ip"] == "127.0.0.0"  # the stored, anonymised network
    assert outside.urlopen.call_args.kwargs["timeout"] <= 2.0


def test_a_ham_verdict_publishes(api, alpha, outside):
    configure(alpha, akismet_key=KEY, spam_filter=True)
    assert api.post_comment("Perfectly normal words").json()["status"] == "published"
    assert len(outside.requests) == 1


def test_it_is_asked_outside_the_database_transaction(api, alpha, outside):
    configure(alpha, akismet_key=KEY, spam_filter=True)
    # The test itself runs inside transactions; the post must not have opened another one
    # (or taken a row lock) by the time it waits on Akismet.
    depth = len(connection.atomic_blocks)

    first = api.post_comment("A first comment")
    api.send("PATCH", f"/api/v1/comments/{first.json()['id']}", {"body": "An edited comment"})

    assert outside.atomic_depths == [depth, depth]
    assert outside.form()["comment_content"] == "An edited comment"


def test_an_unreachable_akismet_never_blocks_a_post(api, alpha, outside):
    configure(alpha, akismet_key=KEY, spam_filter=True)
    outside.urlopen.side_effect = TimeoutError("timed out")
    assert api.post_comment("hello there").json()["status"] == "published"


def test_it_is_not_asked_without_a_key_or_with_the_spam_filter_off(api, alpha, outside):
    configure(alpha, akismet_key="", spam_filter=True)
    api.post_comment("hello there")
    configure(alpha, akismet_key=KEY, spam_filter=False)
    api.post_comment("hello again")
    assert outside.requests == []


@pytest.mark.parametrize("stored", ["evil.example/#", "evil.example:443/x?", "a1b2c3d4e5f6@x"])
def test_a_stored_key_of_another_form_is_never_sent(api, alpha, outside, stored):
    # A key saved before keys were checked: no request leaves with it.
    configure(alpha, akismet_key=stored, spam_filter=True)
    assert api.post_comment("hello there").status_code == 201
    assert outside.requests == []


BAD_KEYS = ["evil.example/#", "a1b2c3d4e5f", "a1b2c3d4e5f6a", "a1b2c3d4e5f-", "a1b2c3 d4e5f6"]


@pytest.mark.parametrize("key", [*BAD_KEYS, 123456789012, ["a1b2c3d4e5f6"]])
def test_the_admin_api_refuses_a_key_of_another_form(staff_client, alpha, key):
    owner = staff_client(alpha)
    send(owner, "PATCH", "/api/v1/admin/settings", {"akismet_key": KEY})

    reply = send(owner, "PATCH", "/api/v1/admin/settings", {"akismet_key": key})

    assert reply.status_code == 400
    assert "akismet_key" in reply.json()["error"]["fields"]
    with schema_context(alpha.schema_name):
        assert SiteSettings.objects.get().akismet_key == KEY


def test_the_admin_api_stores_a_key_trimmed_and_lower_cased_and_clears_it(staff_client, alpha):
    owner = staff_client(alpha)
    reply = send(owner, "PATCH", "/api/v1/admin/settings", {"akismet_key": " A1B2C3D4E5F6 "})
    assert reply.status_code == 200
    with schema_context(alpha.schema_name):
        assert SiteSettings.objects.get().akismet_key == KEY
    assert send(owner, "PATCH", "/api/v1/admin/settings", {"akismet_key": ""}).status_code == 200
    with schema_context(alpha.schema_name):
        assert SiteSettings.objects.get().akismet_key == ""


@pytest.mark.parametrize("key", BAD_KEYS)
def test_the_settings_page_refuses_a_key_of_another_form(staff_client, alpha, key):
    response = staff_client(alpha).post("/dashboard/settings/", settings_form(akismet_key=key))

    assert response.status_code == 400
    assert "12 letters and digits" in response.content.decode()
    with schema_context(alpha.schema_name):
        assert SiteSettings.objects.get().akismet_key == ""
