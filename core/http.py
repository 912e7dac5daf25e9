"""HTTP details every view answers the same way."""

from django.http import HttpRequest


def etag_matches(header: str | None, *etags: str) -> bool:
    """Whether an If-None-Match header value matches any of `etags` (quoted entity tags).

    Weak comparison, as RFC 9110 section 13.1.2 prescribes for If-None-Match: `W/"x"`
    matches `"x"`; `*` matches anything. An absent or empty header matches nothing.
    """
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return any(etag in candidates for etag in etags)


def accepts_gzip(request: HttpRequest) -> bool:
    """True when Accept-Encoding lists gzip (or *) with a quality other than zero
    (RFC 9110 section 12.5.3)."""
    for item in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, params = item.partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        quality = params.strip().lower().removeprefix("q=").strip() if params else "1"
        try:
            if float(quality or "1") > 0:
                return True
        except ValueError:
            continue
    return False


def gzip_etag(etag: str) -> str:
    """The entity tag of the gzipped representation of what `etag` (quoted) names."""
    return etag[:-1] + '-gz"'
