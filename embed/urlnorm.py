"""Page URL normalisation: one page is one thread, whatever decorations its URL carries."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MAX_URL_LENGTH = 2000
_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
        "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ref_src", "oly_anon_id", "oly_enc_id",
        "vero_id", "wickedid", "twclid", "ttclid", "li_fat_id", "s_cid", "spm",
    }
)  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidURL(ValueError):
    pass


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith(("utm_", "pk_", "hsa_")) or lowered in _TRACKING_PARAMS


def url_normalize(raw: str) -> str:
    """`HTTPS://Blog.Example:443/post?utm_source=x&id=2#c5` -> `https://blog.example/post?id=2`."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidURL("A page URL is required.")
    raw = raw.strip()
    if len(raw) > MAX_URL_LENGTH:
        raise InvalidURL(f"The page URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise InvalidURL("The page URL is not a valid URL.") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise InvalidURL("The page URL must be an absolute http(s) URL.")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def origin_of(url: str) -> str:
    """The origin of an already normalised URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
