"""Text normalisation and feature extraction shared by training, scoring and heuristics.

Comments arrive as Markdown source, imported and training data as HTML fragments; both are
reduced to the same plain text so that a model trained on one scores the other fairly.
"""

import html
import re
import unicodedata

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,500}>")
# [label](target) keeps both halves: the label carries words, the target the link.
_MD_LINK = re.compile(r"\[([^\]]{0,500})\]\(([^)\s]{1,2000})[^)]{0,200}\)")
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"), None)

_TLDS = (
    "com|net|org|info|biz|io|co|ly|me|tv|us|uk|ru|de|fr|pl|be|gl|gd|xyz|online|site|club|top|"
    "shop|app|dev|link|click|live"
)
URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]+"
    rf"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"^(?:https?://)?(?:www\.)?", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_URL_PLACEHOLDER = " urltoken "
CHAR_PREFIX = "chars:"

CHAR_NGRAMS = (3, 5)
"""Character n-gram sizes: long enough to carry meaning, short enough to survive
misspellings and spacing tricks ("suscribe", "s-u-b")."""


def normalize(text: str) -> str:
    """Plain text of a comment: entities decoded, tags and Markdown link syntax removed."""
    text = html.unescape(text)
    text = _BREAK.sub("\n", text)
    text = _MD_LINK.sub(r"\1 \2", text)
    text = _TAG.sub(" ", text)
    # Entities double-encoded in the source survive the first pass.
    text = html.unescape(text)
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).strip()


def find_links(plain: str) -> list[str]:
    """URLs and bare domains in normalised text, in order."""
    return [match.group(0) for match in URL.finditer(plain)]


def link_host(url: str) -> str:
    host = _SCHEME.sub("", url.lower()).split("/", 1)[0].split("?", 1)[0]
    return host.rstrip(".,;:!")


def features(text: str) -> frozenset[str]:
    """The set of features the classifier sees for a comment.

    Presence, not counts: short texts make repeats mostly noise, and the heuristics judge
    repetition on their own.
    """
    plain = normalize(text).lower()
    found: set[str] = set()
    for url in find_links(plain):
        found.add("link")
        host = link_host(url)
        found.add(f"host:{host}")
        found.add("domain:" + ".".join(host.split(".")[-2:]))
    words = _WORD.findall(URL.sub(_URL_PLACEHOLDER, plain))
    found.update(f"word:{word}" for word in words)
    found.update(f"pair:{first}_{second}" for first, second in zip(words, words[1:], strict=False))
    squeezed = f" {' '.join(URL.sub(_URL_PLACEHOLDER, plain).split())} "
    low, high = CHAR_NGRAMS
    for size in range(low, high + 1):
        found.update(CHAR_PREFIX + squeezed[i : i + size] for i in range(len(squeezed) - size + 1))
    if not words:
        found.add("no-words")
    return frozenset(found)
