"""Links in e-mails: the site's own address, and signed tokens bound to the site.

Every token is made with `django.core.signing`, salted with its purpose and the site's schema,
and carries the schema in its payload too, so a confirmation or unsubscribe link from site A
fails its signature check on site B (the same ids exist in every schema).
"""

from typing import Any

from django.core import signing

from core.tenancy import current_schema
from tenants.models import Domain
from tenants.services import site_base_url

_bases: dict[str, str] = {}

CONFIRM_MAX_AGE_SECONDS = 7 * 24 * 3600


def site_base() -> str:
    """`scheme://host[:port]` of the current site's primary domain (cached per process)."""
    schema = current_schema()
    base = _bases.get(schema)
    if base is None:
        domain = (
            Domain.objects.filter(tenant__schema_name=schema)
            .order_by("-is_primary", "id")
            .values_list("domain", flat=True)
            .first()
        )
        base = _bases[schema] = site_base_url(domain or "localhost")
    return base


def _salt(purpose: str) -> str:
    return f"palaver.mail.{purpose}:{current_schema()}"


def token_make(purpose: str, value: Any) -> str:
    """A URL-safe token for `value` (JSON-able) and `purpose`, valid on this site only."""
    return signing.dumps({"v": value, "s": current_schema()}, salt=_salt(purpose), compress=True)


def token_read(purpose: str, token: str, *, max_age: int | None = None) -> Any:
    """The value a token of `purpose` carries on this site; None when it is forged, made for
    another purpose or site, or older than `max_age` seconds."""
    try:
        payload = signing.loads(token, salt=_salt(purpose), max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("s") != current_schema():
        return None
    return payload.get("v")


def link(path: str, purpose: str, value: Any) -> str:
    """An absolute link on this site: `<base>/mail/<path>/<token>`."""
    return f"{site_base()}/mail/{path}/{token_make(purpose, value)}"
