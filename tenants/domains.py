"""Custom domains: a site answers on a host of its owner's, once the owner proves it.

The owner adds a host (`claim_add`) and is shown two DNS records to create (`records`):

    comments.example.com.                     CNAME  <slug>.<PLATFORM_DOMAIN>.
    _palaver-challenge.comments.example.com.  TXT    "palaver-verify=<token>"

The CNAME sends the host's traffic to the platform; the TXT record proves that whoever
controls the host's DNS asked for it (the scheme ACME's DNS-01 challenge and most hosted
platforms use). `claim_verify` looks the TXT record up and, when it holds the token, adds the
host as a `Domain` of the site: from then on the tenant middleware resolves it like the
site's own subdomain. Until then the host answers nothing, so a site cannot take over a host
by claiming it. A periodic job re-checks pending claims (`claims_check_pending`), for 7 days.

DNS is looked up through `settings.DOMAIN_TXT_RESOLVER` (a dotted path to a function
`(name) -> list[str]`), dnspython by default; tests put a resolver of their own there, the one
outside system these checks talk to. TLS for a custom host is the front door's job (e.g. a
certificate per host in nginx, or a proxy with on-demand certificates): docs/domains.md.
"""

import logging
import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.urlnorm import InvalidURL, host_normalise
from tenants.models import Domain, DomainClaim, Tenant
from tenants.resolution import forget_host

log = logging.getLogger(__name__)

CHALLENGE_LABEL = "_palaver-challenge"
TXT_PREFIX = "palaver-verify="
MAX_CLAIMS_PER_SITE = 10
PENDING_DAYS = 7  # how long the periodic job keeps checking a claim
LOOKUP_TIMEOUT_SECONDS = 3.0
LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")  # RFC 1123 host name labels


class LookupFailed(Exception):
    """DNS gave no usable answer; the message says why, for the owner."""


def host_validate(raw: str) -> str:
    """`raw` as a host name to store: lower-case ASCII (IDNA 2008 for other scripts),
    without a trailing dot. Raises ValidationError({"host": ...}) for anything else: an IP
    address, a single label, a URL, the platform's own domain or a host under it."""
    text = raw.strip().rstrip(".")
    if not text or any(c in text for c in "/:@ ?#[]%"):
        raise ValidationError({"host": "Give a host name only, such as comments.example.com."})
    try:
        host = host_normalise(text)
    except InvalidURL as exc:
        raise ValidationError({"host": str(exc)}) from None
    labels = host.split(".")
    if (
        len(host) > 253
        or len(labels) < 2
        or labels[-1].isdigit()
        or not all(LABEL.fullmatch(label) for label in labels)
    ):
        raise ValidationError({"host": "Use a full host name, such as comments.example.com."})
    platform = settings.PLATFORM_DOMAIN
    if host == platform or host.endswith("." + platform):
        raise ValidationError({"host": f"Hosts under {platform} are the platform's own."})
    return host


def records(claim: DomainClaim) -> list[tuple[str, str, str]]:
    """The DNS records the owner creates: (name, type, value) triples."""
    site_host = f"{claim.tenant.slug}.{settings.PLATFORM_DOMAIN}"
    return [
        (claim.host, "CNAME", site_host),
        (f"{CHALLENGE_LABEL}.{claim.host}", "TXT", f'"{TXT_PREFIX}{claim.token}"'),
    ]


def claim_add(*, tenant: Tenant, host: str) -> DomainClaim:
    """Start a claim of `host` for `tenant`. Raises ValidationError({"host": ...}) for a bad
    host, one the site has claimed already, one that already answers for a site, or past
    MAX_CLAIMS_PER_SITE."""
    host = host_validate(host)
    if Domain.objects.filter(domain=host).exists():
        raise ValidationError({"host": "This host already answers for a site."})
    if DomainClaim.objects.filter(tenant=tenant).count() >= MAX_CLAIMS_PER_SITE:
        raise ValidationError({"host": f"A site can have {MAX_CLAIMS_PER_SITE} custom hosts."})
    try:
        with transaction.atomic():
            return DomainClaim.objects.create(
                tenant=tenant, host=host, token=secrets.token_urlsafe(24)
            )
    except IntegrityError:
        raise ValidationError({"host": "You have added this host already."}) from None


def dns_txt_records(name: str) -> list[str]:
    """The TXT strings published at `name` (dnspython; LOOKUP_TIMEOUT_SECONDS in all).
    Raises LookupFailed when there are none or DNS does not answer."""
    import dns.exception  # noqa: PLC0415 - only the verifying process needs dnspython
    import dns.resolver  # noqa: PLC0415

    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=LOOKUP_TIMEOUT_SECONDS)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        raise LookupFailed(f"No TXT record at {name} yet.") from None
    except dns.exception.DNSException as exc:
        raise LookupFailed(f"DNS did not answer for {name}: {exc.__class__.__name__}.") from None
    return [b"".join(record.strings).decode(errors="replace") for record in answer]


def _resolver() -> Callable[[str], list[str]]:
    return import_string(settings.DOMAIN_TXT_RESOLVER)


def claim_verify(claim: DomainClaim) -> bool:
    """Look the claim's TXT record up; on a match make the host answer for the site.

    Returns True when the host is (now) the site's. Otherwise records why in
    `claim.failure` and returns False. Never raises for DNS trouble."""
    if claim.verified:
        return True
    name = f"{CHALLENGE_LABEL}.{claim.host}"
    try:
        found = _resolver()(name)
    except LookupFailed as exc:
        return _failed(claim, str(exc))
    if f"{TXT_PREFIX}{claim.token}" not in [value.strip() for value in found]:
        return _failed(claim, f"The TXT record at {name} does not hold this site's token.")
    try:
        with transaction.atomic():
            Domain.objects.create(domain=claim.host, tenant=claim.tenant, is_primary=False)
            claim.verified = claim.checked = timezone.now()
            claim.failure = ""
            claim.save(update_fields=["verified", "checked", "failure"])
    except IntegrityError:
        return _failed(claim, "Another site proved this host first.")
    transaction.on_commit(lambda: forget_host(claim.host))
    log.info("custom host %s now answers for %s", claim.host, claim.tenant.slug)
    return True


def _failed(claim: DomainClaim, reason: str) -> bool:
    claim.checked = timezone.now()
    claim.failure = reason[:300]
    claim.save(update_fields=["checked", "failure"])
    return False


def claim_remove(claim: DomainClaim) -> None:
    """Drop the claim and, if it was verified, stop the host answering for the site."""
    with transaction.atomic():
        if claim.verified:
            Domain.objects.filter(domain=claim.host, tenant=claim.tenant).delete()
        claim.delete()
    transaction.on_commit(lambda: forget_host(claim.host))


def claims_check_pending() -> int:
    """Verify every pending claim younger than PENDING_DAYS; the number now verified."""
    since = timezone.now() - timedelta(days=PENDING_DAYS)
    pending = DomainClaim.objects.filter(verified__isnull=True, created__gte=since)
    return sum(claim_verify(claim) for claim in pending.select_related("tenant"))
