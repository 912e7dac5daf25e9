"""HTTP details every view answers the same way."""


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
