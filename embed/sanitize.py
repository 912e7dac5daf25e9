"""Markdown in, safe HTML out. Runs on write only; reads serve the stored HTML."""

from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

ALLOWED_TAGS = frozenset(
    {"a", "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li"}
)
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})

# Raw HTML off: what looks like a tag is shown as text.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True}).enable(
    ["linkify", "strikethrough"]
)


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
    html = _markdown.render(source)
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="nofollow ugc noopener",
        strip_comments=True,
        attribute_filter=_absolute_links_only,
    ).strip()


def count_links(html: str) -> int:
    return html.count("<a ")
