"""Sanitizing on write, against a corpus of XSS vectors."""

import re
from html.parser import HTMLParser

import pytest

from embed.sanitize import render_markdown

XSS_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](java\nscript:alert(1))",
    "[click](%6A%61%76%61%73%63%72%69%70%74%3Aalert(1))",
    "[click]( javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](file:///etc/passwd)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![x" onerror="alert(1)](http://x.example/a.png)',
    '[x](http://x.example/"onmouseover="alert(1))',
    "<a href='http://x.example' onclick='alert(1)'>x</a>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "<details open ontoggle=alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<object data=javascript:alert(1)>",
    "<!--<script>alert(1)</script>-->",
    "<<script>script>alert(1)<</script>/script>",
    "<style>*{background:url(javascript:alert(1))}</style>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "<base href=javascript:alert(1)//>",
    "<input autofocus onfocus=alert(1)>",
    "> <img src=x onerror=alert(1)>",
    "* [x](javascript:alert(1))",
]

ALLOWED_TAGS = {
    "a",
    "p",
    "br",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
}


class Elements(HTMLParser):
    """Collects every start tag with its attributes, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.parametrize("vector", XSS_VECTORS)
def test_no_vector_survives_as_markup(vector: str):
    html = render_markdown(vector)
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, html
        assert {name for name, _ in attrs} <= {"href", "rel"}, html
        for name, value in attrs:
            if name == "href":
                assert re.match(r"^(https?:|mailto:)", value or ""), html


def test_markdown_renders_the_allowed_subset():
    html = render_markdown(
        "**bold** *em* ~~gone~~ `code`\n\n> quoted\n\n- one\n- two\n\n1. first\n\n```\nblock\n```"
    )
    for tag in ("strong", "em", "del", "code", "blockquote", "ul", "li", "ol", "pre"):
        assert f"<{tag}>" in html


def test_links_get_nofollow_ugc_noopener_and_autolinks_work():
    html = render_markdown("see https://example.com/page and [docs](https://docs.example)")
    assert html.count('rel="nofollow ugc noopener"') == 2
    assert 'href="https://example.com/page"' in html


def test_images_become_plain_links():
    html = render_markdown("![a cat](https://cats.example/cat.png)")
    assert "<img" not in html
    assert '<a href="https://cats.example/cat.png"' in html


def test_headings_and_raw_html_are_text():
    html = render_markdown("# Big\n\n<b>bold?</b>")
    assert "<h1>" not in html
    assert "&lt;b&gt;" in html
