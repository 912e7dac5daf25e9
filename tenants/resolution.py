"""Host -> tenant resolution with an in-process cache.

The stock django-tenants middleware runs one SQL query per request to find the tenant. A hot
comment-thread read should touch no SQL at all, so each process keeps the hosts it has
resolved for TENANT_CACHE_SECONDS (five minutes: with a thousand sites a worker meets each one
only every few seconds, and a shorter time would put a query back on most reads; a suspended
site or a moved domain takes that long to reach every process). Only hits are cached: a site
created a moment ago answers on its host at once, and a flood of random Host headers cannot
grow the cache.
"""

import threading
import time

from django.conf import settings
from django.http.request import split_domain_port

from tenants.models import Domain, Tenant

_cache: dict[str, tuple[float, Tenant]] = {}
_lock = threading.Lock()


def host_normalize(host: str) -> str:
    """A host name as it is stored and compared: lower-cased, without port or trailing dot
    ("DEMO.localhost:8000" -> "demo.localhost", "[::1]:8000" -> "[::1]"). Host names are
    case-insensitive (RFC 4343); "" for a value that is not a host."""
    domain, _ = split_domain_port(host.strip())
    return domain


def tenant_for_host(hostname: str) -> Tenant | None:
    """The active tenant serving `hostname` (in any case, with or without a port), or None."""
    hostname = host_normalize(hostname)
    now = time.monotonic()
    hit = _cache.get(hostname)
    if hit is not None and hit[0] > now:
        return hit[1]
    domain = (
        Domain.objects.select_related("tenant").filter(domain=hostname, tenant__active=True).first()
    )
    with _lock:
        if domain is None:
            _cache.pop(hostname, None)
            return None
        _cache[hostname] = (now + settings.TENANT_CACHE_SECONDS, domain.tenant)
    return domain.tenant


def forget_hosts() -> None:
    """Drop this process's cached lookups (after a site is suspended or a domain moves)."""
    with _lock:
        _cache.clear()
