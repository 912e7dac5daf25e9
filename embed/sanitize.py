"""Markdown in, safe HTML out. Runs on write only; reads serve the stored HTML.

Bare text becomes a link only when a reader clearly wrote one: a URL with its `http(s)://`
or `mailto:` scheme, or a host starting with `www.`. linkify-it's fuzzy matching would turn
file names such as `readme.md` or `setup.py` into links to hosts of those names (.md and .py
are country domains), and a comment about code would then be held for its "links".
"""

import html as html_lib
import re
from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from core.text import has_visible

ALLOWED_TAGS = frozenset(
    {"a", "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li"}
)
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

# Raw HTML off: what looks like a tag is shown as text.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True}).enable(
    ["linkify", "strikethrough"]
)


def _linkify_configure(linkify: Any) -> None:
    """Schemes and `www.` only: no fuzzy links, no bare e-mail addresses, no `//host` or ftp."""
    parts = linkify.re
    # After "www.": at least one more label and a root, as in www.example.com[:port][/path].
    www_tail = re.compile(
        rf"(?:(?:{parts['src_domain']})\.)+{parts['src_domain_root']}"
        rf"{parts['src_port']}{parts['src_host_terminator']}{parts['src_path']}",
        re.IGNORECASE,
    )

    # linkify-it binds these as methods, hence `self`.
    def www_validate(self: Any, text: str, pos: int) -> int:
        match = www_tail.match(text, pos)
        return len(match.group(0)) if match else 0

    def www_normalize(self: Any, match: Any) -> None:
        match.url = "http://" + match.url

    linkify.add("www.", {"validate": www_validate, "normalize": www_normalize})
    linkify.add("ftp:", None)
    linkify.add("//", None)
    linkify.set({"fuzzy_link": False, "fuzzy_email": False, "fuzzy_ip": False})


_linkify_configure(_markdown.linkify)


def _image_as_link(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    # Images are not on the allow-list: an image in a comment would make every reader's
    # browser fetch a URL of the commenter's choosing. Show it as a plain link instead.
    token = tokens[idx]
    src = escapeHtml(str(token.attrGet("src") or ""))
    alt = escapeHtml(token.content or src)
    return f'<a href="{src}">{alt}</a>'


def _strikethrough(tag: str) -> Any:
    return lambda renderer, tokens, idx, options, env: tag


_markdown.add_render_rule("image", _image_as_link)
_markdown.add_render_rule("s_open", _strikethrough("<del>"))
_markdown.add_render_rule("s_close", _strikethrough("</del>"))


def _absolute_links_only(tag: str, attribute: str, value: str) -> str | None:
    # Relative links would resolve against whichever page embeds the thread; a comment
    # links to absolute http(s) or mailto URLs only.
    if attribute == "href" and not value.lower().startswith(("http://", "https://", "mailto:")):
        return None
    return value


def render_markdown(source: str) -> str:
    return _clean(_markdown.render(source))


# Built once: nh3.clean() with options builds its sanitizer anew on every call, which cost
# three times the sanitizing itself.
_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(ALLOWED_URL_SCHEMES),
    link_rel="nofollow ugc noopener",
    strip_comments=True,
    attribute_filter=_absolute_links_only,
)


def _clean(html: str) -> str:
    return _cleaner.clean(html).strip()


_ANCHOR = re.compile(r"<a\s[^>]*\bhref=", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def link_count(html: str) -> int:
    """Links a reader can follow in sanitized comment HTML (anchors with an href)."""
    return len(_ANCHOR.findall(html))


def text_of(html: str) -> str:
    """The text a reader sees in sanitized comment HTML: tags removed, entities decoded."""
    return html_lib.unescape(_TAG.sub(" ", html))


def has_visible_text(html: str) -> bool:
    """Whether sanitized HTML shows any visible character (see `textrules.is_visible`);
    a link shows through its text, an image through its description or address."""
    return has_visible(text_of(html))


# Presentational tags that mean what an allowed tag means; other HTML sources use them.
_SYNONYMS = {"b": "strong", "i": "em", "s": "del", "strike": "del"}
_SYNONYM_TAG = re.compile(r"<(/?)(b|i|s|strike)(?=[\s/>])", re.IGNORECASE)
_IMAGE_TAG = re.compile(
    r"<img\b[^>]*?\bsrc\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))[^>]*>", re.IGNORECASE
)
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|li|blockquote|pre)>", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n{3,}")


def _image_to_link(match: re.Match[str]) -> str:
    src = match[1] or match[2] or match[3] or ""
    return f'<a href="{src}">{src}</a>'


def clean_html(html: str) -> str:
    """HTML written elsewhere (an imported Disqus or WordPress comment) made as safe as a
    rendered comment: the same allow-list, with <b>/<i>/<s> read as <strong>/<em>/<del> and
    images shown as links, as Markdown images are."""
    html = _SYNONYM_TAG.sub(lambda m: f"<{m[1]}{_SYNONYMS[m[2].lower()]}", html)
    html = _IMAGE_TAG.sub(_image_to_link, html)
    return _clean(html)


def html_text(html: str) -> str:
    """The plain text of sanitized HTML, a line per paragraph or line break."""
    text = _TAG.sub("", _BLOCK_END.sub("\n", html))  # sanitized: tags are well-formed
    return _BLANK_LINES.sub("\n\n", html_lib.unescape(text)).strip()
