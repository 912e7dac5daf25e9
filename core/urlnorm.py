"""Page URLs and origins in one canonical form: one page is one thread, one origin one entry.

Sites, readers' browsers and importers spell the same page in many ways:
`https://Bücher.example:443/posts/café?utm_source=x#c5`, `https://xn--bcher-kva.example/posts/
caf%c3%a9` and `https://bücher.example/posts/caf%C3%A9` are one page. Everything that takes a
page URL (the widget API, counts, the admin API and dashboard searches, imports) passes it
through `url_normalize` before looking it up or storing it, and everything that takes an
allowed origin passes it through `origin_normalize`.

The form follows the WHATWG URL Standard (https://url.spec.whatwg.org/) where browsers and the
standard agree, and RFC 3986 section 6.2.2 (syntax-based normalisation) where the standard
leaves several spellings of one URL:

- scheme and host lower-case; an internationalised host in its ASCII (punycode) form through
  UTS #46 mapping (`idna.uts46_remap`, non-transitional, as browsers do); IPv6 compressed;
- the scheme's default port dropped, user name and password dropped, `#fragment` dropped;
- path: `\\` read as `/`, dot segments resolved, empty path -> `/`; percent-escapes of
  unreserved characters (`A-Z a-z 0-9 - . _ ~`) decoded, every other escape upper-case, every
  character RFC 3986 does not allow raw in a path (non-ASCII included, as UTF-8) encoded;
- query: read as form data (`+` is a space), tracking parameters (`utm_*`, `fbclid`, ...)
  removed, each name and value re-encoded byte for byte (so `%c3%a9`, `%C3%A9` and `é` agree,
  and bytes that are not UTF-8 survive).
"""

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import quote_plus, unquote_to_bytes, urlsplit, urlunsplit

import idna
from django.core.exceptions import ValidationError

MAX_URL_LENGTH = 2000
MAX_ORIGIN_LENGTH = 255
MAX_ORIGINS = 100
_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
        "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ref_src", "oly_anon_id", "oly_enc_id",
        "vero_id", "wickedid", "twclid", "ttclid", "li_fat_id", "s_cid", "spm",
    }
)  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# RFC 3986 `pchar` without percent-escapes, plus the segment separator.
_PATH_RAW = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
_HEX = frozenset("0123456789abcdefABCDEF")
# WHATWG: tab and newlines are removed anywhere; C0 controls and spaces trimmed at both ends.
_REMOVED = str.maketrans("", "", "\t\n\r")
_TRIMMED = "".join(chr(code) for code in range(0x21))
# WHATWG forbidden domain code points (after percent-decoding the host).
_FORBIDDEN_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")


class InvalidURL(ValueError):
    """A page URL or origin that cannot be read; the message is fit to show to its author."""


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith(("utm_", "pk_", "hsa_")) or lowered in _TRACKING_PARAMS


def _pct_normalise(text: str, raw_ok: frozenset[str]) -> str:
    """Escapes of unreserved characters decoded, other escapes upper-case, characters outside
    `raw_ok` encoded as UTF-8 escapes; a `%` that starts no escape is itself encoded."""
    out: list[str] = []
    i, size = 0, len(text)
    while i < size:
        char = text[i]
        if char == "%":
            if i + 2 < size and text[i + 1] in _HEX and text[i + 2] in _HEX:
                decoded = chr(int(text[i + 1 : i + 3], 16))
                out.append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
                i += 3
                continue
            out.append("%25")
        elif char in raw_ok:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _path_normalise(path: str) -> str:
    """Percent-normalised path with `.` and `..` segments resolved (RFC 3986 5.2.4)."""
    segments = _pct_normalise(path.replace("\\", "/"), _PATH_RAW).split("/")
    out: list[str] = []
    for index, segment in enumerate(segments[1:], start=1):
        last = index == len(segments) - 1
        if segment == ".":  # `%2E` was decoded to `.` above, as RFC 3986 says
            if last:
                out.append("")
        elif segment == "..":
            if out:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/" + "/".join(out)


def _query_normalise(query: str) -> str:
    """Form-data pairs, tracking parameters dropped, re-encoded byte for byte."""
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        name_bytes = unquote_to_bytes(name.replace("+", " "))
        if _is_tracking(name_bytes.decode("utf-8", "replace")):
            continue
        value_bytes = unquote_to_bytes(value.replace("+", " "))
        pairs.append(f"{quote_plus(name_bytes, safe='')}={quote_plus(value_bytes, safe='')}")
    return "&".join(pairs)


def host_normalise(host: str) -> str:
    """A host name in its ASCII form: `Bücher.EXAMPLE` -> `xn--bcher-kva.example`,
    `[0:0::1]` -> `[::1]`. Raises InvalidURL for what no browser would accept as a host."""
    if host.startswith("[") and host.endswith("]"):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            raise InvalidURL(f"'{host}' is not a valid IPv6 address.") from None
    try:
        host = unquote_to_bytes(host).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidURL("The host name is not valid.") from None
    if host.isascii():
        host = host.lower()
    else:
        try:
            mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
        except idna.IDNAError:
            raise InvalidURL(f"'{host}' is not a valid host name.") from None
        # UTS #46 ToASCII without IDNA2008's extra checks, as browsers do ("☃.net" works).
        host = ".".join(
            label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
            for label in mapped.split(".")
        )
    if not host or _FORBIDDEN_HOST.search(host):
        raise InvalidURL(f"'{host}' is not a valid host name.")
    return host


def host_display(host: str) -> str:
    """The Unicode form of an ASCII host for people to read; the host itself if it has none."""
    if "xn--" not in host:
        return host
    try:
        return ".".join(
            label[4:].encode("ascii").decode("punycode") if label.startswith("xn--") else label
            for label in host.split(".")
        )
    except UnicodeError:
        return host


def _split(raw: object, *, limit: int, what: str) -> tuple[str, str, int | None, str, str]:
    """(scheme, host, port, path, query) of an absolute http(s) URL, host already normalised."""
    if not isinstance(raw, str) or not raw.strip(_TRIMMED):
        raise InvalidURL(f"A{'n' if what[0] in 'aeiou' else ''} {what} is required.")
    raw = raw.strip(_TRIMMED).translate(_REMOVED)
    if len(raw) > limit:
        raise InvalidURL(f"The {what} is longer than {limit} characters.")
    head, _, _ = raw.partition("#")
    head, question, query = head.partition("?")
    try:
        parts = urlsplit(head.replace("\\", "/"))
        port = parts.port
    except ValueError:
        raise InvalidURL(f"The {what} is not a valid URL.") from None
    scheme = parts.scheme.lower()
    netloc = parts.netloc.rpartition("@")[2]
    if scheme not in _DEFAULT_PORTS or not netloc:
        raise InvalidURL(f"The {what} must be an absolute http(s) URL.")
    if netloc.startswith("["):
        host = netloc[: netloc.index("]") + 1] if "]" in netloc else netloc
    else:
        host = netloc.rpartition(":")[0] if ":" in netloc else netloc
    host = host_normalise(host)
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    return scheme, host, port, parts.path, query if question else ""


def url_normalize(raw: object) -> str:
    """`HTTPS://Bücher.Example:443/a/./caf%c3%a9?utm_source=x&id=2#c5` ->
    `https://xn--bcher-kva.example/a/caf%C3%A9?id=2`. Raises InvalidURL with a message for
    the page's author. Idempotent: a normalised URL normalises to itself."""
    scheme, host, port, path, query = _split(raw, limit=MAX_URL_LENGTH, what="page URL")
    netloc = host if port is None else f"{host}:{port}"
    url = urlunsplit((scheme, netloc, _path_normalise(path), _query_normalise(query), ""))
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL(f"The page URL is longer than {MAX_URL_LENGTH} characters.")
    return url


def origin_normalize(raw: object) -> str:
    """An allowed origin as browsers send it in `Origin`: `http://Bücher.example:80/` ->
    `http://xn--bcher-kva.example`. Raises InvalidURL when `raw` is not an http(s) origin
    (a path, query, fragment or user name is refused rather than dropped)."""
    if isinstance(raw, str):
        shown = raw.strip()
        rest = shown.split("://", 1)[-1]
        after_host = rest[len(rest.split("/", 1)[0]) :]
        if after_host not in ("", "/") or "?" in rest or "#" in rest or "@" in rest:
            raise InvalidURL(f"'{shown}' must be an origin only: scheme, host and optional port.")
    try:
        scheme, host, port, _, _ = _split(raw, limit=MAX_ORIGIN_LENGTH, what="origin")
    except InvalidURL:
        raise InvalidURL(f"'{str(raw).strip()}' is not an http(s) origin.") from None
    origin = f"{scheme}://{host}" if port is None else f"{scheme}://{host}:{port}"
    if len(origin) > MAX_ORIGIN_LENGTH:
        raise InvalidURL(f"An origin is at most {MAX_ORIGIN_LENGTH} characters.")
    return origin


def origins_clean(raw: str | Iterable[object], *, field: str) -> list[str]:
    """The one gate for allowed origins (signup form and API, `create_site`, dashboard and
    admin API settings): text with one origin per line or comma, or a list, -> the sorted,
    de-duplicated ASCII origins. Raises ValidationError({field: [one message per bad one]})."""
    items = raw.replace(",", "\n").splitlines() if isinstance(raw, str) else list(raw)
    clean, problems = set(), []
    for item in items:
        if isinstance(item, str) and not item.strip():
            continue
        try:
            clean.add(origin_normalize(item))
        except InvalidURL as exc:
            problems.append(str(exc))
    if len(clean) > MAX_ORIGINS:
        problems.append(f"At most {MAX_ORIGINS} origins.")
    if problems:
        raise ValidationError({field: problems})
    return sorted(clean)


def origin_display(origin: str) -> str:
    """A stored (ASCII) origin with its host in Unicode, for people: the dashboard."""
    scheme, _, rest = origin.partition("://")
    host, colon, port = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
    return f"{scheme}://{host_display(host)}{colon}{port}"


def origin_of(url: str) -> str:
    """The origin of an already normalised URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def url_search_terms(text: str) -> list[str]:
    """What a moderator's search text may look like in stored URLs: the text itself and its
    stored spellings (`/posts/café` also finds `/posts/caf%C3%A9`, `bücher.example` also
    finds `xn--bcher-kva.example`)."""
    text = text.strip()
    if not text:
        return []
    terms = [text, _pct_normalise(text, _PATH_RAW | frozenset("?#%"))]
    try:
        spelled = url_normalize(text)
        # "https://blog.example" should find its pages, not only its home page.
        terms.append(spelled[:-1] if spelled.endswith("/") and not text.endswith("/") else spelled)
    except InvalidURL:
        host, slash, path = text.partition("/")
        if host and not host.isascii():
            try:
                terms.append(host_normalise(host) + slash + _pct_normalise(path, _PATH_RAW))
            except InvalidURL:
                pass
    return list(dict.fromkeys(terms))
