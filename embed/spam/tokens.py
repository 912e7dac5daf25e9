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
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"), None)

_TLDS = (
    "com|net|org|info|biz|io|co|ly|me|tv|us|uk|ru|de|fr|pl|be|gl|gd|xyz|online|site|club|top|"
    "shop|app|dev|link|click|live"
)
URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')\]]+"
    rf"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)
# "ww." too: `deobfuscate` cuts runs of a letter to two, "www." included.
_SCHEME = re.compile(r"^(?:https?://)?(?:www?\.)?", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
URL_WORD = "urltoken"

# Obfuscations that promoters use to slip past word filters, undone before features are read.
# "y o u t u b e" (four or more single letters spaced out) becomes "youtube".
_SPACED_LETTERS = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][ ~.*-]){3,}[^\W\d_](?![^\W\d_])")
# "you[tube]" becomes "youtube".
_BRACKETED = re.compile(r"(?<=[^\W_])\[([^\W\d_]{1,20})\]")
# "site . com", "site (dot) com", "site dot com" become "site.com".
_SPLIT_DOT = re.compile(
    rf"(?<=[a-z0-9])\s*(?:\s\.\s*|\.\s+|\s*[\[(]dot[\])]\s*|\s+dot\s+)(?=(?:{_TLDS})\b)",
    re.IGNORECASE,
)
# "suuuubscribe" and "sooooo" alike keep two of a repeated letter.
_LONG_RUN = re.compile(r"([^\W\d_])\1{2,}")
# "ch3ck", "v1agra", "c4sino": digits standing for letters between letters. A word also gets
# its letters-only reading (`features`); "mp3", "h264" and "2nd" do not match.
_LEET_WORD = re.compile(r"(?<![\w$])[a-z]+(?:[013457$]+[a-z]+)+(?![\w$])")
_LEET = str.maketrans("013457$", "oieasts")


def normalize(text: str) -> str:
    """Plain text of a comment: entities decoded, tags and Markdown link syntax removed."""
    text = html.unescape(text)
    text = _BREAK.sub("\n", text)
    text = _MD_LINK.sub(r"\1 \2", text)
    text = _TAG.sub(" ", text)
    # Entities double-encoded in the source survive the first pass.
    text = html.unescape(text)
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).strip()


def deobfuscate(plain: str) -> str:
    """Normalised text with spacing, bracket and "dot" tricks undone, for the classifier."""
    plain = _SPACED_LETTERS.sub(lambda match: re.sub(r"[ ~.*-]", "", match.group(0)), plain)
    plain = _BRACKETED.sub(r"\1", plain)
    plain = _SPLIT_DOT.sub(".", plain)
    return _LONG_RUN.sub(r"\1\1", plain)


_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?<![\w/])(?:\+|\b00)?\d[\d ().-]{8,}\d\b")
# "2.124.821.694" or "1,884,034,783": a count with thousands separators, not a phone number.
_GROUPED_NUMBER = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})+")
_MESSENGER = re.compile(r"\b(?:whats ?app|telegram|t\.me|wechat|viber|signal me)\b", re.IGNORECASE)


def contact_details(plain: str) -> list[str]:
    """E-mail addresses, phone numbers and messenger handles in normalised text."""
    found = [match.group(0) for match in _EMAIL.finditer(plain)]
    found += [
        match.group(0)
        for match in _PHONE.finditer(plain)
        if sum(char.isdigit() for char in match.group(0)) >= 9
        and not _GROUPED_NUMBER.fullmatch(match.group(0))
    ]
    found += [match.group(0) for match in _MESSENGER.finditer(plain)]
    return found


def find_links(plain: str) -> list[str]:
    """URLs and bare domains in normalised text, in order."""
    return [match.group(0) for match in URL.finditer(plain)]


def link_host(url: str) -> str:
    host = _SCHEME.sub("", url.lower()).split("/", 1)[0].split("?", 1)[0]
    return host.rstrip(".,;:!")


def words_of(text: str) -> list[str]:
    """The lower-case words of a comment as the classifier reads them; links become one word."""
    plain = deobfuscate(normalize(text)).lower()
    return _WORD.findall(URL.sub(f" {URL_WORD} ", plain))


def unleet(plain: str) -> list[str]:
    """Letters-only readings of the words of lower-case text written with digits for
    letters: "ch3ck my v1deos" gives ["check", "videos"]."""
    return [match.group(0).translate(_LEET) for match in _LEET_WORD.finditer(plain)]


_REFERRAL = re.compile(r"[?&/](?:ref|r|rb|aff|affiliate|refer|referral|invite)[=/]", re.I)
_PROFILE = re.compile(r"/(?:user|users|channel|profile|u|c)/", re.I)


def link_shape(url: str) -> list[str]:
    """Features of how a link is written, which say more about its purpose than its host:
    `url:bare` (no scheme, no www: "murdev.com"), `url:root` (a whole site, no page),
    `url:referral` (a referral code, "?ref=", "/refer/") and `url:profile` (someone's page
    on a platform, "/user/", "/channel/"). Readers who cite something mostly link a page."""
    shape = []
    lowered = url.lower()
    if not lowered.startswith(("http://", "https://", "www.", "ww.")):
        shape.append("url:bare")
    path = _SCHEME.sub("", lowered).partition("/")[2]
    if not path.strip("/"):
        shape.append("url:root")
    if _REFERRAL.search(lowered):
        shape.append("url:referral")
    if _PROFILE.search(lowered):
        shape.append("url:profile")
    return shape


WELL_KNOWN_HOSTS = frozenset(
    """
    wikipedia.org wikimedia.org wiktionary.org github.com gitlab.com stackoverflow.com
    stackexchange.com python.org mozilla.org w3.org arxiv.org doi.org archive.org
    bbc.co.uk bbc.com nytimes.com theguardian.com reuters.com apnews.com washingtonpost.com
    economist.com ft.com lemonde.fr spiegel.de elpais.com nature.com science.org who.int
    europa.eu un.org gov.uk nih.gov nasa.gov openstreetmap.org imdb.com
    """.split()
)
"""Sites so widely cited that a link to one says nothing about spam. The training data knows
links mostly from spam (its readers rarely link anywhere but to the video), so without this a
reader's reference to an encyclopedia or a code repository would count against them. Video and
shop sites are not listed: promoters use them."""


def _registered_domain(host: str) -> str:
    labels = host.split(".")
    # "bbc.co.uk": a two-letter country code under a short second level keeps three labels.
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3 else 2
    return ".".join(labels[-keep:])


# An invitation to the author's own channel or page, the words that stand for a link where
# the author's name is one (on video sites, and in forms that take a website).
_SELF_PROMOTION = re.compile(
    r"\b(?:my|our) (?:own )?(?:channel|videos?|music|songs?|tracks?|playlist|page|profile|"
    r"instagram|twitter|twitch|band|mixtape)\b"
    r"|\b(?:check|look) (?:me|us) (?:out|up)\b|\bfollow (?:me|us)\b"
    r"|\bsub(?:scribe)? (?:to )?(?:me|us|my)\b|\bsubscribers?\b",
    re.IGNORECASE,
)


def reaches_out(text: str) -> bool:
    """Whether the comment offers a way to reach its author off the page: a link to a site not
    in WELL_KNOWN_HOSTS, contact details, or an invitation to the author's own channel or page
    ("check out my channel", "subscribe to me", "follow me"). Comment spam exists to do
    exactly that."""
    plain = deobfuscate(normalize(text))
    links = (_registered_domain(link_host(url)) for url in find_links(plain))
    return (
        any(domain not in WELL_KNOWN_HOSTS for domain in links)
        or bool(contact_details(plain))
        or bool(_SELF_PROMOTION.search(plain))
    )


def features(text: str) -> frozenset[str]:
    """The set of features the classifier sees for a comment.

    Presence, not counts: short texts make repeats mostly noise, and the heuristics judge
    repetition on their own. Whole words, adjacent pairs and link hosts only: unlike character
    n-grams, a word the training data never saw adds no evidence at all, which is what keeps
    comments about topics far from the training data (any blog's) near the prior.
    """
    plain = deobfuscate(normalize(text)).lower()
    found: set[str] = set()
    for url in find_links(plain):
        host = link_host(url)
        domain = _registered_domain(host)
        if domain in WELL_KNOWN_HOSTS:
            found.add("link:well-known")
            continue
        found.add("link")
        found.update(link_shape(url))
        found.add(f"host:{host}")
        found.add(f"domain:{domain}")
        parts = domain.split(".", 1)[0].split("-")
        if len(parts) > 1:
            found.update(f"word:{part}" for part in parts if part.isalpha())
    words = _WORD.findall(URL.sub(f" {URL_WORD} ", plain))
    # A link is the feature "link" already; as a word it only serves to pair with its neighbours.
    found.update(f"word:{word}" for word in words if word != URL_WORD)
    found.update(f"word:{word}" for word in unleet(plain))
    found.update(f"pair:{first}_{second}" for first, second in zip(words, words[1:], strict=False))
    if not words:
        found.add("no-words")
    return frozenset(found)
