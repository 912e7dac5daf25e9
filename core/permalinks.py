"""A comment's link on the host page, built from the site's permalink pattern.

A site says where its comments live with a pattern such as `{url}#comment-{id}` (the default,
which the widget's permalink part reads on opening) or `https://example.com/c/{id}` for a
site that shows comments on pages of its own. `{url}` is the thread's page URL, `{id}` the
comment's id; no other field, conversion or format spec is allowed, so a pattern can only
ever produce a URL, never read an attribute (`str.format` would let `{url.__class__}` do so).
"""

from string import Formatter

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

DEFAULT_PERMALINK_PATTERN = "{url}#comment-{id}"
PERMALINK_FIELDS = frozenset({"url", "id"})
PERMALINK_MAX_LENGTH = 500

_check_url = URLValidator(schemes=["http", "https"])


def permalink_pattern_validate(pattern: str) -> None:
    """Raise ValidationError unless `pattern` holds `{id}`, no field but `{url}` and `{id}`
    (each without conversion or format spec), balanced braces (`{{` `}}` for literal ones),
    and makes an absolute http(s) URL."""
    try:
        parts = list(Formatter().parse(pattern))
    except ValueError:
        raise ValidationError("Unbalanced braces: write {{ or }} for a literal brace.") from None
    fields = set()
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PERMALINK_FIELDS:
            raise ValidationError(f"Unknown field {{{name}}}: use only {{url}} and {{id}}.")
        if spec or conversion:
            raise ValidationError(f"Write {{{name}}} as it is, without a format or conversion.")
        fields.add(name)
    if "id" not in fields:
        raise ValidationError("The pattern must contain {id}, the comment's id.")
    try:
        _check_url(permalink_format(pattern, url="https://example.org/page", comment_id=1))
    except ValidationError:
        raise ValidationError(
            "The pattern must make an absolute http(s) URL, e.g. {url}#comment-{id}."
        ) from None


def permalink_format(pattern: str, *, url: str, comment_id: int) -> str:
    """The link of comment `comment_id` on the page at `url`. A pattern that is not valid
    (`permalink_pattern_validate` keeps them out of the database) gives the default's link
    rather than breaking a mail or a feed."""
    values = {"url": url, "id": comment_id}
    if not _plain_fields(pattern):
        pattern = DEFAULT_PERMALINK_PATTERN
    return pattern.format_map(values)


def _plain_fields(pattern: str) -> bool:
    try:
        parts = list(Formatter().parse(pattern))
    except ValueError:
        return False
    return all(
        name is None or (name in PERMALINK_FIELDS and not spec and not conversion)
        for _, name, spec, conversion in parts
    )
