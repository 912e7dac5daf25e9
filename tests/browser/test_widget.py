"""The embed widget in Chromium, against the real app under gunicorn.

Every test uses its own page URL, so its thread is its own. Locators reach into the widget's
(open) shadow root by themselves; `shadow_eval` runs code inside it.
"""

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import HostSite, Platform, Reader

pytestmark = pytest.mark.browser

EmbedPage = Callable[..., tuple[str, str]]


def shadow_eval(page: Page, script: str) -> Any:
    """Evaluate `script` as the body of a function of the widget's shadow root."""
    return page.evaluate(
        f"() => {{ const root = document.getElementById('palaver-thread').shadowRoot; {script} }}"
    )


def stored(page: Page, platform: Platform, slug: str = "alpha") -> dict:
    key = f"palaver:{platform.base(slug)}"
    return page.evaluate("key => JSON.parse(localStorage.getItem(key) || '{}')", key) or {}


def top_level(page: Page) -> Any:
    return page.locator(".pv-list > .pv-c")


def test_it_reads_a_threaded_thread(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    first = platform.post("alpha", url, "First, with **bold** and `code`", name="Ada")
    platform.post("alpha", url, "A reply", name="Bob", parent=first["id"])
    platform.post("alpha", url, "Second thought", name="Cy")
    page = reader.page
    page.goto(page_url)

    expect(page.locator("h2")).to_have_text("3 comments")
    expect(top_level(page)).to_have_count(2)
    ada = top_level(page).nth(0)
    expect(ada.locator(".pv-name").first).to_have_text("Ada")
    expect(ada.locator(".pv-body strong").first).to_have_text("bold")
    expect(ada.locator(".pv-body code").first).to_have_text("code")
    expect(ada.locator("time").first).to_have_attribute("datetime", first["created"])
    expect(ada.locator("time").first).to_have_text("just now")
    expect(ada.locator(".pv-replies .pv-body")).to_have_text("A reply")
    expect(top_level(page).nth(1).locator(".pv-body")).to_have_text("Second thought")

    # Collapse and expand the subtree, with the state exposed to assistive technology.
    ada.locator(".pv-toggle").click()
    expect(ada.locator(":scope > .pv-replies")).to_be_hidden()
    expect(ada.locator(".pv-body").first).to_be_hidden()
    expect(ada.locator(".pv-toggle")).to_have_attribute("aria-expanded", "false")
    expect(ada.locator(".pv-toggle")).to_have_attribute("aria-label", "Expand (1 more)")
    ada.locator(".pv-toggle").click()
    expect(ada.locator(".pv-replies .pv-body")).to_be_visible()


def test_an_empty_thread_invites_the_first_comment(reader: Reader, embed_page: EmbedPage) -> None:
    page_url, _ = embed_page()
    reader.page.goto(page_url)
    expect(reader.page.locator(".pv-note[role=status]")).to_have_text(
        "No comments yet. Start the conversation!"
    )
    expect(reader.page.locator("h2")).to_have_text("0 comments")
    expect(reader.page.get_by_role("button", name="Load more comments")).to_be_hidden()


def test_a_guest_posts_replies_edits_and_deletes(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, _ = embed_page()
    page = reader.page
    page.goto(page_url)
    page.get_by_role("textbox", name="Write a comment").fill("Hello from a **guest**")
    page.get_by_label("Name").fill("Grace")
    page.get_by_role("button", name="Post comment").click()

    mine = top_level(page).nth(0)
    expect(mine.locator(".pv-name")).to_have_text("Grace")
    expect(mine.locator(".pv-body strong")).to_have_text("guest")
    expect(page.locator("[aria-live=polite]")).to_have_text("Your comment was posted.")
    expect(page.locator("h2")).to_have_text("1 comment")
    expect(page.get_by_role("textbox", name="Write a comment")).to_have_value("")
    remembered = stored(page, platform)
    assert remembered["name"] == "Grace"
    assert remembered["token"]

    mine.get_by_role("button", name="Reply").click()
    page.get_by_role("textbox", name="Reply to Grace").fill("Answering myself")
    mine.locator("form").get_by_role("button", name="Reply").click()
    reply = mine.locator(".pv-replies > .pv-c")
    expect(reply.locator(".pv-body")).to_have_text("Answering myself")
    expect(page.locator("h2")).to_have_text("2 comments")

    mine.locator(".pv-main").first.get_by_role("button", name="Edit").click()
    editor = mine.locator("form textarea")
    expect(editor).to_have_value("Hello from a **guest**")
    editor.fill("Hello, *edited*")
    mine.get_by_role("button", name="Save").click()
    expect(mine.locator(".pv-body").first).to_have_text("Hello, edited")
    expect(mine.locator(".pv-body em").first).to_have_text("edited")
    expect(mine.locator(".pv-head").first).to_contain_text("edited")

    # After a reload the reader is recognised: name remembered, own comments editable.
    page.reload()
    expect(page.get_by_label("Name")).to_have_value("Grace")
    mine = top_level(page).nth(0)
    reply = mine.locator(".pv-replies > .pv-c")
    expect(reply.get_by_role("button", name="Edit")).to_be_visible()
    reply.get_by_role("button", name="Delete").click()
    reply.get_by_role("button", name="Really delete?").click()
    expect(reply).to_have_count(0)
    expect(page.locator("h2")).to_have_text("1 comment")

    mine.get_by_role("button", name="Delete").click()
    mine.get_by_role("button", name="Really delete?").click()
    expect(top_level(page)).to_have_count(0)
    expect(page.locator(".pv-note[role=status]")).to_contain_text("No comments yet")
    page.reload()
    expect(page.locator("h2")).to_have_text("0 comments")


def test_a_reply_past_the_depth_cap_joins_the_deepest_level(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    parent = None
    for depth in range(5):  # the site's max_depth is 5: depths 0 to 4
        parent = platform.post("alpha", url, f"Level {depth}", parent=parent and parent["id"])
    page = reader.page
    page.goto(page_url)
    deepest = page.locator(
        ".pv-c", has=page.locator(":scope > .pv-main .pv-body", has_text="Level 4")
    )
    deepest.get_by_role("button", name="Reply").click()
    deepest.get_by_role("textbox", name="Reply to Rita").fill("One level too deep")
    deepest.get_by_label("Name").fill("Vic")
    deepest.locator("form").get_by_role("button", name="Reply").click()

    level3 = page.locator(
        ".pv-c", has=page.locator(":scope > .pv-main .pv-body", has_text="Level 3")
    )
    expect(level3.locator(":scope > .pv-replies > .pv-c > .pv-main .pv-body")).to_have_text(
        ["Level 4", "One level too deep"]
    )
    page.reload()
    expect(level3.locator(":scope > .pv-replies > .pv-c > .pv-main .pv-body")).to_have_text(
        ["Level 4", "One level too deep"]
    )


def test_deleting_a_comment_with_replies_leaves_a_placeholder(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    page = reader.page
    page.goto(page_url)
    page.get_by_role("textbox", name="Write a comment").fill("Soon gone")
    page.get_by_label("Name").fill("Hal")
    page.get_by_role("button", name="Post comment").click()
    expect(top_level(page)).to_have_count(1)
    parent_id = platform.api("alpha", "GET", f"thread?url={url}")["comments"][0]["id"]
    platform.post("alpha", url, "Still here", name="Ivy", parent=parent_id)
    page.reload()

    mine = top_level(page).nth(0)
    mine.get_by_role("button", name="Delete").first.click()
    mine.get_by_role("button", name="Really delete?").click()
    expect(mine.locator(".pv-deleted")).to_have_text("This comment was deleted.")
    expect(mine.locator(".pv-replies .pv-body")).to_have_text("Still here")
    page.reload()
    expect(top_level(page).nth(0).locator(".pv-deleted")).to_be_visible()
    expect(top_level(page).nth(0).locator(".pv-name")).to_have_text(["Ivy"])


def test_it_shows_validation_errors_by_field(reader: Reader, embed_page: EmbedPage) -> None:
    page_url, _ = embed_page()
    page = reader.page
    page.goto(page_url)
    page.get_by_label("Name").fill("Jo")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".pv-msg[role=alert]")).to_have_text(
        "Write a comment: Write something before posting."
    )
    expect(page.get_by_role("textbox", name="Write a comment")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(top_level(page)).to_have_count(0)


def test_a_site_that_requires_email_asks_for_it_and_remembers_it(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, _ = embed_page("delta")
    page = reader.page
    page.goto(page_url)
    page.get_by_role("textbox", name="Write a comment").fill("Mail me back")
    page.get_by_label("Name").fill("Uma")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".pv-msg[role=alert] li")).to_have_count(1)
    expect(page.locator(".pv-msg[role=alert]")).to_contain_text("Email (not shown): ")
    expect(page.get_by_label("Email (not shown)")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Email (not shown)").fill("uma@example.org")
    page.get_by_role("button", name="Post comment").click()
    expect(top_level(page).locator(".pv-body")).to_have_text("Mail me back")
    assert stored(page, platform, "delta")["email"] == "uma@example.org"
    page.reload()
    expect(page.get_by_label("Email (not shown)")).to_have_value("uma@example.org")
    expect(page.get_by_label("Name")).to_have_value("Uma")


def test_a_reader_votes_and_sees_their_vote_after_reload(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    platform.post("alpha", url, "Vote on me", name="Kim")
    page = reader.page
    page.goto(page_url)
    comment = top_level(page).nth(0)
    up = comment.get_by_role("button", name="Upvote")
    down = comment.get_by_role("button", name="Downvote")
    expect(up).to_have_attribute("aria-pressed", "false")

    up.click()
    expect(comment.locator(".pv-score")).to_have_text("1")
    expect(up).to_have_attribute("aria-pressed", "true")
    assert stored(page, platform)["token"], "the vote's answer issues a reader token"

    page.reload()
    expect(comment.locator(".pv-score")).to_have_text("1")
    expect(up).to_have_attribute("aria-pressed", "true")
    down.click()
    expect(comment.locator(".pv-score")).to_have_text("-1")
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_attribute("aria-pressed", "false")
    down.click()
    expect(comment.locator(".pv-score")).to_have_text("0")
    expect(down).to_have_attribute("aria-pressed", "false")
    assert platform.api("alpha", "GET", f"thread?url={url}")["comments"][0]["score"] == 0


def test_a_reader_flags_a_comment_with_a_reason(
    platform: Platform, new_reader: Callable[..., Reader], embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    platform.post("alpha", url, "Buy cheap watches", name="Spammer")
    # Three readers who have commented flag it (the site's threshold), so the comment is held
    # for review. (Reports from readers who never commented count half and never hold a
    # comment on their own: tests/test_reader_writes.py.)
    pages = []
    for n in range(3):
        page = new_reader().page
        pages.append(page)
        page.goto(page_url)
        page.get_by_role("textbox", name="Write a comment").fill(f"Reader {n} was here")
        page.get_by_label("Name").fill(f"Reader {n}")
        page.get_by_role("button", name="Post comment").click()
        expect(top_level(page)).to_have_count(n + 2)
        comment = top_level(page).nth(0)
        comment.get_by_role("button", name="Flag").click()
        comment.get_by_label("Reason").select_option("spam")
        comment.get_by_role("button", name="Report").click()
        if n < 2:
            thanks = "Thanks, a moderator will take a look."
            expect(comment.locator(".pv-msg")).to_have_text(thanks)
    # Held by the third report, it leaves every open page (live updates).
    for page in pages:
        expect(page.get_by_text("Buy cheap watches")).to_have_count(0)
    shown = platform.api("alpha", "GET", f"thread?url={url}")["comments"]
    assert [c["html"] for c in shown] == [f"<p>Reader {n} was here</p>" for n in range(3)]


def test_the_sort_switch_reorders_the_thread(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    ids = [platform.post("alpha", url, text)["id"] for text in ("Alpha", "Beta", "Gamma")]
    _, elsewhere = embed_page()
    for name in ("Fan", "Other fan"):  # two readers who comment on the blog like Beta
        token = platform.post("alpha", elsewhere, "Nice blog", name=name)["commenter_token"]
        platform.api("alpha", "POST", f"comments/{ids[1]}/vote", {"value": 1}, token=token)
    page = reader.page
    page.goto(page_url)
    bodies = page.locator(".pv-list > .pv-c .pv-body")
    expect(bodies).to_have_text(["Alpha", "Beta", "Gamma"])

    page.get_by_role("button", name="Newest").click()
    expect(bodies).to_have_text(["Gamma", "Beta", "Alpha"])
    expect(page.get_by_role("button", name="Newest")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Oldest")).to_have_attribute("aria-pressed", "false")

    page.get_by_role("button", name="Top").click()
    expect(bodies).to_have_text(["Beta", "Alpha", "Gamma"])


def test_load_more_fetches_the_next_page(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    for number in range(55):
        platform.post("alpha", url, f"Comment {number}")
    page = reader.page
    page.goto(page_url)
    expect(page.locator("h2")).to_have_text("55 comments")
    expect(top_level(page)).to_have_count(50)
    more = page.get_by_role("button", name="Load more comments")
    more.click()
    expect(top_level(page)).to_have_count(55)
    expect(top_level(page).nth(54).locator(".pv-body")).to_have_text("Comment 54")
    expect(more).to_be_hidden()


def test_a_held_comment_is_shown_only_to_its_author(
    platform: Platform, new_reader: Callable[..., Reader], embed_page: EmbedPage
) -> None:
    page_url, url = embed_page("gamma")  # gamma holds every comment for moderation
    author = new_reader().page
    author.goto(page_url)
    author.get_by_role("textbox", name="Write a comment").fill("Please approve me")
    author.get_by_label("Name").fill("Lee")
    author.get_by_role("button", name="Post comment").click()
    mine = top_level(author).nth(0)
    expect(mine.locator(".pv-wait")).to_have_text("Awaiting moderation")
    expect(author.locator("[aria-live=polite]")).to_have_text(
        "Your comment is awaiting moderation."
    )
    expect(author.locator("h2")).to_have_text("0 comments")
    expect(mine.get_by_role("button", name="Upvote")).to_have_count(0)

    author.reload()
    expect(top_level(author).nth(0).locator(".pv-body")).to_have_text("Please approve me")
    expect(top_level(author).nth(0).locator(".pv-wait")).to_be_visible()

    stranger = new_reader().page
    stranger.goto(page_url)
    expect(stranger.locator(".pv-note[role=status]")).to_contain_text("No comments yet")
    expect(stranger.get_by_text("Please approve me")).to_have_count(0)
    assert platform.api("gamma", "GET", f"thread?url={url}")["comments"] == []


def test_hostile_host_css_leaves_the_widget_intact(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    hostile = (
        "<style>* { color: red !important; font-size: 40px !important }"
        " p, div, button { margin: 90px !important; display: inline !important }</style>"
    )
    leak_probe = '<p class="pv-primary pv-body pv-c" id="probe">host paragraph</p>'
    page_url, url = embed_page(head=hostile, body=leak_probe)
    platform.post("alpha", url, "Styled by the widget only")
    page = reader.page
    page.goto(page_url)
    body = page.locator(".pv-body p")
    expect(body).to_have_text("Styled by the widget only")
    style = shadow_eval(
        page,
        "const s = getComputedStyle(root.querySelector('.pv-body p'));"
        "const b = getComputedStyle(root.querySelector('.pv-primary'));"
        "return {color: s.color, size: s.fontSize, margin: s.marginTop, display: s.display,"
        " buttonBg: b.backgroundColor, buttonSize: b.fontSize};",
    )
    assert style == {
        "color": "rgb(31, 35, 40)",
        "size": "15px",
        "margin": "0px",
        "display": "block",
        "buttonBg": "rgb(11, 107, 203)",
        "buttonSize": "15px",
    }
    # ...and the widget's own CSS does not reach the host page.
    probe = page.evaluate(
        "() => { const s = getComputedStyle(document.getElementById('probe'));"
        " return [s.backgroundColor, s.color]; }"
    )
    assert probe == ["rgba(0, 0, 0, 0)", "rgb(255, 0, 0)"]


def test_host_pages_restyle_it_through_custom_properties(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    theme = "<style>#palaver-thread { --palaver-accent: rgb(200, 0, 120) }</style>"
    page_url, _ = embed_page(head=theme, theme="dark")
    reader.page.goto(page_url)
    expect(reader.page.get_by_role("button", name="Post comment")).to_be_visible()
    colors = shadow_eval(
        reader.page,
        "return [getComputedStyle(root.querySelector('.pv-primary')).backgroundColor,"
        " getComputedStyle(root.querySelector('.pv')).backgroundColor];",
    )
    assert colors == ["rgb(200, 0, 120)", "rgb(13, 17, 23)"]


@pytest.mark.parametrize(
    ("theme", "scheme", "background"),
    [
        ("light", "dark", "rgb(255, 255, 255)"),
        ("dark", "light", "rgb(13, 17, 23)"),
        ("auto", "light", "rgb(255, 255, 255)"),
        ("auto", "dark", "rgb(13, 17, 23)"),
    ],
)
def test_the_theme_follows_data_theme_or_the_system(
    new_reader: Callable[..., Reader],
    embed_page: EmbedPage,
    theme: str,
    scheme: str,
    background: str,
) -> None:
    page_url, _ = embed_page(theme=theme)
    page = new_reader(color_scheme=scheme).page
    page.goto(page_url)
    expect(page.locator("h2")).to_have_text("0 comments")
    assert (
        shadow_eval(page, "return getComputedStyle(root.querySelector('.pv')).backgroundColor;")
        == background
    )


def test_a_comment_full_of_xss_vectors_runs_nothing(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    vectors = "\n\n".join(
        [
            "<script>window.__xss = 1</script>",
            '<img src="x" onerror="window.__xss = 2">',
            "[click me](javascript:window.__xss=3)",
            '<svg onload="window.__xss = 4"></svg>',
            '<iframe src="javascript:window.__xss = 5"></iframe>',
            '<a href="javascript:alert(6)">raw link</a>',
            "![pic](javascript:alert(7))",
            '"><img src=x onerror=alert(8)>',
            "<style>* { display: none }</style>",
        ]
    )
    evil_name = '<img src=x onerror="window.__xss=9">'
    page_url, url = embed_page()
    created = platform.post(
        "alpha", url, vectors, name=evil_name, title="<script>alert(10)</script>"
    )
    assert created["status"] == "published"
    page = reader.page
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(page_url)
    comment = top_level(page).nth(0)
    expect(comment.locator(".pv-name")).to_have_text(evil_name)  # as text, not markup
    expect(comment.locator(".pv-body")).to_contain_text("raw link")
    links = comment.locator(".pv-body a")
    for index in range(links.count()):
        href = links.nth(index).get_attribute("href") or ""
        assert not href.lower().startswith("javascript"), href
    page.wait_for_timeout(300)

    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    dangerous = shadow_eval(
        page,
        "return [...root.querySelectorAll('.pv-c *')].filter(el =>"
        " ['SCRIPT', 'IFRAME', 'SVG', 'STYLE', 'OBJECT', 'EMBED']"
        "   .includes(el.tagName.toUpperCase())"
        " || [...el.attributes].some(a => a.name.startsWith('on'))).map(el => el.outerHTML);",
    )
    assert dangerous == []


def test_count_js_fills_every_count_in_one_request(
    platform: Platform, host_site: HostSite, reader: Reader
) -> None:
    first, second, silent = host_site.new_url(), host_site.new_url(), host_site.new_url()
    platform.post("alpha", first, "One")
    platform.post("alpha", first, "Two")
    platform.post("alpha", second, "Only")
    html = (
        "<!doctype html><meta charset=utf-8><title>Blog</title><ul>"
        + "".join(
            f'<li><a href="{url}">Post</a> <span data-palaver-count="{url}"'
            ' data-palaver-one="{n} comment" data-palaver-many="{n} comments">…</span>'
            for url in (first, second, silent)
        )
        + f'<li>Again: <b data-palaver-count="{first}"></b></ul>'
        f'<script src="{platform.base("alpha")}/count.js" async></script>'
    )
    index = host_site.page(html, path="/index-" + first.rsplit("/", 1)[1])
    page = reader.page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(index)
    expect(page.locator("[data-palaver-count]")).to_have_text(
        ["2 comments", "1 comment", "0 comments", "2"]
    )
    counts = [url for url in requests if "/api/v1/counts" in url]
    assert len(counts) == 1
    assert counts[0].count("url=") == 3


def test_a_page_of_another_tenant_shows_none_of_its_comments(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    alpha_page, url = embed_page("alpha")
    beta_page, _ = embed_page("beta", url=url, path="/beta-copy-" + url.rsplit("/", 1)[1])
    page = reader.page
    page.goto(alpha_page)
    page.get_by_role("textbox", name="Write a comment").fill("Alpha only")
    page.get_by_label("Name").fill("Mo")
    page.get_by_role("button", name="Post comment").click()
    expect(top_level(page)).to_have_count(1)

    api_calls: list[str] = []
    page.on("request", lambda request: api_calls.append(request.url))
    page.goto(beta_page)
    expect(page.locator(".pv-note[role=status]")).to_contain_text("No comments yet")
    expect(page.get_by_text("Alpha only")).to_have_count(0)
    # The reader's alpha identity stays on alpha: no name, no token, no reader-state call.
    expect(page.get_by_label("Name")).to_have_value("")
    assert stored(page, platform, "beta") == {}
    assert not [call for call in api_calls if "/thread/me" in call]


def test_a_closed_thread_is_read_only(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    platform.post("alpha", url, "Last word")
    page = reader.page
    page.goto(page_url)
    page.get_by_role("textbox", name="Write a comment").fill("My own last word")
    page.get_by_label("Name").fill("Ola")
    page.get_by_role("button", name="Post comment").click()
    expect(top_level(page)).to_have_count(2)
    # Closing a thread is a moderator's business (admin API, as the dashboard does); reload.
    thread = platform.api("alpha", "GET", f"thread?url={url}")["thread"]
    platform.admin("alpha", "POST", f"threads/{thread['id']}/close")
    page.reload()
    expect(top_level(page).locator(".pv-body")).to_have_text(["Last word", "My own last word"])
    expect(page.get_by_text("Comments are closed.")).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)
    # Frozen for readers: scores stay in view, nothing to press.
    expect(top_level(page).locator(".pv-score")).to_have_text(["0", "0"])
    for name in ("Reply", "Upvote", "Downvote", "Flag", "Edit", "Delete"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)


def test_it_shows_an_error_and_recovers_when_the_api_fails(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    platform.post("alpha", url, "Back again")
    page = reader.page
    thread_api = re.compile(r"/api/v1/thread\?")
    page.route(thread_api, lambda route: route.abort("connectionrefused"))
    page.goto(page_url)
    expect(page.get_by_role("alert")).to_have_text(
        "Comments could not be loaded. Network error. Please try again."
    )
    page.unroute(thread_api)
    page.get_by_role("button", name="Try again").click()
    expect(top_level(page).locator(".pv-body")).to_have_text("Back again")


def test_it_tells_a_throttled_reader_how_long_to_wait(
    host_site: HostSite, platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, _ = embed_page()
    page = reader.page

    def throttle(route: Any) -> None:
        if route.request.method != "POST":
            return route.fallback()
        route.fulfill(
            status=429,
            json={"error": {"code": "throttled", "message": "Slow down."}},
            headers={
                "Retry-After": "42",
                "Access-Control-Allow-Origin": host_site.origin,
                "Access-Control-Expose-Headers": "Retry-After",
            },
        )

    page.route(re.compile(r"/api/v1/comments$"), throttle)
    page.goto(page_url)
    page.get_by_role("textbox", name="Write a comment").fill("Too fast")
    page.get_by_label("Name").fill("Ned")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".pv-msg[role=alert]")).to_have_text(
        "Too many requests. Try again in 42 s."
    )
    expect(page.get_by_role("textbox", name="Write a comment")).to_have_value("Too fast")


@pytest.mark.parametrize(
    ("options", "attributes", "expected"),
    [
        ({}, {"locale": "de"}, ("0 Kommentare", "Kommentar schreiben", "Noch keine Kommentare")),
        ({}, {"lang": "nl-BE"}, ("0 reacties", "Schrijf een reactie", "Nog geen reacties")),
        ({"locale": "es-ES"}, {"lang": ""}, ("0 comentarios", "Escribe un comentario", "Aún no")),
        ({"locale": "fi-FI"}, {"lang": ""}, ("0 comments", "Write a comment", "No comments yet")),
        # data-locale, else the page's lang, else the browser's language.
        ({"locale": "es-ES"}, {"lang": "it", "locale": "pl"}, ("0 komentarzy", "Napisz", "Nie ma")),
        ({"locale": "es-ES"}, {"lang": "it"}, ("0 commenti", "Scrivi un commento", "Ancora")),
    ],
)
def test_it_speaks_the_readers_language(
    new_reader: Callable[..., Reader],
    embed_page: EmbedPage,
    options: dict,
    attributes: dict,
    expected: tuple[str, str, str],
) -> None:
    page_url, _ = embed_page(**attributes)
    page = new_reader(**options).page
    page.goto(page_url)
    heading, label, empty = expected
    expect(page.locator("h2")).to_have_text(heading)
    expect(page.get_by_role("textbox", name=label)).to_be_visible()
    expect(page.locator(".pv-note[role=status]")).to_contain_text(empty)


def test_it_is_usable_with_the_keyboard_alone(reader: Reader, embed_page: EmbedPage) -> None:
    page_url, _ = embed_page()
    page = reader.page
    page.goto(page_url)
    expect(page.locator("h2")).to_have_text("0 comments")
    page.keyboard.press("Tab")  # Oldest, Newest, Top, then the comment box
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("Typed, never clicked")
    page.keyboard.press("Tab")  # the honeypot is out of the tab order
    page.keyboard.type("Kai")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Control+Enter")
    expect(top_level(page).locator(".pv-body")).to_have_text("Typed, never clicked")
    expect(top_level(page).locator(".pv-name")).to_have_text("Kai")


def test_it_fits_a_320_pixel_screen(
    platform: Platform, new_reader: Callable[..., Reader], embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    parent = None
    for depth in range(5):
        text = f"Level {depth} with a-rather-long-unbreakable-word-that-must-wrap-somewhere"
        parent = platform.post("alpha", url, text, parent=parent and parent["id"])
    page = new_reader(viewport={"width": 320, "height": 700}).page
    page.goto(page_url)
    expect(page.locator(".pv-body")).to_have_count(5)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1]
    overflowing = shadow_eval(
        page,
        "const box = root.querySelector('.pv').getBoundingClientRect();"
        "return [...root.querySelectorAll('.pv *')].filter(el => {"
        " const r = el.getBoundingClientRect(); return r.width && r.right > box.right + 0.5;"
        "}).map(el => el.className || el.tagName);",
    )
    assert overflowing == []


SHADOW_BAN = """
from django_tenants.utils import schema_context
from embed.models import Comment
from embed.moderation.bans import ban_create
with schema_context("site_alpha"):
    author = Comment.objects.get(pk={comment_id}).author_id
    ban_create(kind="commenter", value=str(author), shadow=True)
"""


def test_a_shadow_banned_reader_sees_their_comments_and_nobody_else_does(
    platform: Platform, new_reader: Callable[..., Reader], embed_page: EmbedPage
) -> None:
    page_url, url = embed_page()
    author = new_reader().page
    author.goto(page_url)
    author.get_by_role("textbox", name="Write a comment").fill("My first words")
    author.get_by_label("Name").fill("Sam")
    author.get_by_role("button", name="Post comment").click()
    expect(top_level(author).nth(0).locator(".pv-body")).to_have_text("My first words")
    first = platform.api("alpha", "GET", f"thread?url={url}")["comments"][0]["id"]
    platform.manage("shell", "-c", SHADOW_BAN.format(comment_id=first))

    author.get_by_role("textbox", name="Write a comment").fill("Can anyone hear me")
    author.get_by_role("button", name="Post comment").click()
    expect(author.get_by_text("Can anyone hear me")).to_be_visible()
    author.reload()
    shadowed = author.locator(".pv-c", has_text="Can anyone hear me")
    expect(shadowed).to_have_count(1)
    expect(shadowed.locator(".pv-wait")).to_have_count(0)  # looks published to its author

    stranger = new_reader().page
    stranger.goto(page_url)
    expect(top_level(stranger).nth(0).locator(".pv-body")).to_have_text("My first words")
    expect(stranger.get_by_text("Can anyone hear me")).to_have_count(0)
    bodies = [c["html"] for c in platform.api("alpha", "GET", f"thread?url={url}")["comments"]]
    assert bodies == ["<p>My first words</p>"]


def test_after_a_reload_an_edit_starts_from_the_markdown(
    platform: Platform, reader: Reader, embed_page: EmbedPage
) -> None:
    page_url, _ = embed_page()
    page = reader.page
    page.goto(page_url)
    page.get_by_role("textbox", name="Write a comment").fill("Kept as **Markdown**")
    page.get_by_label("Name").fill("Ines")
    page.get_by_role("button", name="Post comment").click()
    expect(top_level(page).nth(0).locator(".pv-body strong")).to_have_text("Markdown")
    page.reload()
    mine = top_level(page).nth(0)
    mine.locator(".pv-main").first.get_by_role("button", name="Edit").click()
    expect(mine.locator("form textarea")).to_have_value("Kept as **Markdown**")
