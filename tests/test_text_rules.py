"""What text is accepted: display names, visible comment bodies, what becomes a link."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_tenants.utils import schema_context

from core.text import display_name_clean
from embed.models import Comment, Commenter, Thread
from embed.sanitize import has_visible_text, link_count, render_markdown
from embed.site import site_settings_update
from tenants.models import Tenant
from tests.conftest import Api

BLANK_NAMES = [
    "\u200b",  # zero-width space
    "\u200b\u200b \u2060",
    "\ufeff",  # byte order mark
    "\u00ad",  # soft hyphen
    "\u3164",  # Hangul filler, a "letter" that shows as blank
    "\u2800\u2800",  # blank Braille pattern
    "\u115f\u1160",
    "\u0301\u0302",  # combining marks with nothing to sit on
    "\u200d\u200c",  # joiners alone
    "...",  # punctuation names nobody
]
BIDI_NAMES = [
    "Ann\u202e",  # right-to-left override: what follows reads backwards
    "\u202dAnn",
    "Ann\u2066x\u2069",
    "Ann\u200f",
    "\u061cAnn",
]
CONTROL_NAMES = ["Ann\x00", "Ann\x07", "Ann\x1b[31m", "Ann\x85", "Ann\ud800"]


@pytest.mark.parametrize("name", BLANK_NAMES)
def test_a_name_needs_a_visible_letter_number_or_symbol(name):
    with pytest.raises(ValidationError) as caught:
        display_name_clean(name, field="author_name")
    assert "author_name" in caught.value.message_dict


@pytest.mark.parametrize("name", BIDI_NAMES + CONTROL_NAMES)
def test_a_name_may_not_hold_bidi_or_control_characters(name):
    with pytest.raises(ValidationError):
        display_name_clean(name)


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("  Ann   Lee ", "Ann Lee"),
        ("Ann\tLee\nSmith", "Ann Lee Smith"),
        ("A\u200bnn", "Ann"),  # invisible characters removed
        ("\U0001d400\U0001d427\U0001d427", "Ann"),  # mathematical bold: NFKC
        ("\uff21\uff4e\uff4e", "Ann"),  # full-width
        ("Cafe\u0301", "Café"),  # composed
        ("😀", "😀"),  # a symbol is a name
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # the joiner stays inside emoji
        ("ناصر", "ناصر"),
        ("李小龍", "李小龍"),
        ("O'Brien-Smith", "O'Brien-Smith"),
        ("", ""),
        ("   ", ""),
        ("\u00a0\u2003\u3000", ""),  # spaces only: no name given
    ],
)
def test_a_name_is_normalised(raw, clean):
    assert display_name_clean(raw) == clean


def test_the_length_limit_counts_the_normalised_name():
    assert display_name_clean("a" * 64 + "\u200b" * 10) == "a" * 64
    with pytest.raises(ValidationError):
        display_name_clean("a" * 65)
    with pytest.raises(ValidationError):
        display_name_clean("\ufb03" * 22)  # "ffi" ligature: 66 letters once normalised


def test_zalgo_stacks_are_refused():
    with pytest.raises(ValidationError):
        display_name_clean("A" + "\u0300\u0301\u0302\u0303\u0304\u0305\u0306")
    assert display_name_clean("Nguyê\u0303n") == "Nguyễn"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["\u200b", "\u3164", "Ann\u202e", "\u0301"])
def test_the_widget_refuses_an_invisible_or_bidi_author_name(api, alpha, name):
    response = api.post_comment("Hello", author_name=name)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "author_name" in error["fields"]
    with schema_context(alpha.schema_name):
        assert not Comment.objects.exists()
        assert not Commenter.objects.exists()


@pytest.mark.django_db
def test_the_widget_stores_the_normalised_name(api, alpha):
    response = api.post_comment("Hello", author_name="  \uff21nn\u200b  ")
    assert response.status_code == 201
    assert response.json()["author"]["name"] == "Ann"
    response = api.post_comment("Again", author_name="\u200b")
    assert response.status_code == 400  # a token holder cannot blank their name either
    with schema_context(alpha.schema_name):
        assert Commenter.objects.get().name == "Ann"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["\u200b", "\u3164", "Blog\u202e", " "])
def test_signup_refuses_a_blank_or_bidi_site_name(public_client: Client, name):
    payload = {
        "name": name,
        "slug": "gamma",
        "owner_email": "owner@gamma.example",
        "password": "a-long-enough-passphrase",
    }
    response = public_client.post("/api/v1/sites", payload, content_type="application/json")
    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]
    form = public_client.post("/", payload)
    assert form.status_code == 400
    assert not Tenant.objects.filter(slug="gamma").exists()


@pytest.mark.django_db
def test_signup_stores_the_normalised_site_name(public_client: Client):
    payload = {
        "name": "  Gamma\u200b   Times ",
        "slug": "gamma",
        "owner_email": "owner@gamma.example",
        "password": "a-long-enough-passphrase",
    }
    response = public_client.post("/api/v1/sites", payload, content_type="application/json")
    assert response.status_code == 201
    assert Tenant.objects.get(slug="gamma").name == "Gamma Times"


EMPTY_LOOKING_BODIES = [
    "&nbsp;",
    "&nbsp;&nbsp;\n\n&#8203;",
    "\u200b\u200b",
    "\u3164",
    "&#x2800;",
    "[](https://a.example)",  # a link with no text
    "**\u200b**",
    "> \u00a0",
    "- \u2003",
]


@pytest.mark.parametrize("body", EMPTY_LOOKING_BODIES)
def test_bodies_that_render_to_nothing_visible_are_seen_as_such(body):
    assert not has_visible_text(render_markdown(body))


@pytest.mark.parametrize(
    "body", ["ok", "+1", "?", "😀", "[docs](https://a.example)", "![](https://a.example/c.png)"]
)
def test_short_bodies_links_and_images_are_visible(body):
    assert has_visible_text(render_markdown(body))


@pytest.mark.django_db
@pytest.mark.parametrize("body", EMPTY_LOOKING_BODIES)
def test_an_empty_looking_body_is_refused_and_not_counted(api, alpha, body):
    response = api.post_comment(body)
    assert response.status_code == 400
    assert "body" in response.json()["error"]["fields"]
    with schema_context(alpha.schema_name):
        assert not Comment.objects.exists()
        assert not Thread.objects.filter(comment_count__gt=0).exists()


@pytest.mark.django_db
def test_an_edit_to_an_empty_looking_body_is_refused(api, alpha):
    created = api.post_comment("Something to say").json()
    response = api.send("PATCH", f"/api/v1/comments/{created['id']}", {"body": "&nbsp;"})
    assert response.status_code == 400
    assert "body" in response.json()["error"]["fields"]
    with schema_context(alpha.schema_name):
        assert Comment.objects.get().body == "Something to say"


FILE_NAMES = "Edit readme.md and setup.py, then run build.sh."


@pytest.mark.parametrize(
    "text",
    [
        FILE_NAMES,
        "config.json, app.js, main.rs and docs.io",
        "mail me at ann@example.com",
        "//cdn.example/x.js",
        "ftp://files.example/x",
        "localhost:8000 and 127.0.0.1",
    ],
)
def test_text_that_only_looks_like_a_host_is_not_a_link(text):
    html = render_markdown(text)
    assert "<a" not in html
    assert link_count(html) == 0


@pytest.mark.parametrize(
    "text, href",
    [
        ("see https://example.com/a?b=1.", "https://example.com/a?b=1"),
        ("see http://localhost:8000/x", "http://localhost:8000/x"),
        ("see www.example.com/page.", "http://www.example.com/page"),
        ("(WWW.Example.org)", "http://WWW.Example.org"),
        ("mailto:ann@example.com", "mailto:ann@example.com"),
        ("[docs](https://docs.example)", "https://docs.example"),
    ],
)
def test_schemes_and_www_are_links(text, href):
    html = render_markdown(text)
    assert f'href="{href}"' in html
    assert link_count(html) == 1


def test_www_needs_a_host_after_it():
    assert "<a" not in render_markdown("www. and www.x")


@pytest.mark.django_db
def test_file_names_are_not_held_as_links(api: Api, alpha: Tenant):
    with schema_context(alpha.schema_name):
        site_settings_update(max_links=1)
    response = api.post_comment(FILE_NAMES)
    assert response.status_code == 201
    assert "<a" not in response.json()["html"]
    with schema_context(alpha.schema_name):
        assert Comment.objects.get().reasons == []


@pytest.mark.django_db
def test_links_are_counted_in_the_rendered_comment(api: Api, alpha: Tenant):
    with schema_context(alpha.schema_name):
        site_settings_update(max_links=1)
    # Code spans and raw tags are shown as text, not links; the one real link passes.
    text = "`https://a.example` and <a href='/b'>b</a> and https://c.example"
    assert api.post_comment(text).status_code == 201
    held = api.post_comment("https://a.example and www.b.example")
    assert held.status_code == 202
    with schema_context(alpha.schema_name):
        assert "2 links (limit 1)" in Comment.objects.get(pk=held.json()["id"]).reasons
