"""Host -> tenant resolution with an in-process cache.

The stock django-tenants middleware runs one SQL query per request to find the tenant. A hot
comment-thread read should touch no SQL at all, so each process keeps the hosts it has
resolved for TENANT_CACHE_SECONDS (five minutes: with a thousand sites a worker meets each one
only every few seconds, and a shorter time would put a query back on most reads; a suspended
site or a moved domain takes that long to reach every process). Only hits are cached: a site
created a moment ago answers on its host at once, and a flood of random Host headers cannot
grow the cache.

Every lookup leaves a copy in Redis, with the time it was made. A process
meeting a host for the first time takes that copy instead of asking the database when the copy
is younger than TENANT_CACHE_SECONDS, and keeps it only for what is left of that time: so with
many sites and many workers, a host costs one SQL query per TENANT_CACHE_SECONDS for the whole
deployment instead of one per worker, and no process holds a lookup longer than it does today.

When PostgreSQL cannot be reached, a host keeps resolving so that cached threads are still
served (docs/security.md): from this process's copy even past its time, or else from the copy
every lookup leaves in Redis (`core.keys.host_copy`, kept `HOST_COPY_SECONDS`), which a worker
started during the outage finds too. A host never resolved before gets the database error,
which the middleware answers with a 503.
"""

import logging
import threading
import time
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.http.request import split_domain_port

from core import keys, redis
from tenants.models import Domain, Tenant

log = logging.getLogger(__name__)

HOST_COPY_SECONDS = 24 * 3600
"""How long the Redis copy of a host's lookup lasts, for use while the database is down."""
RETRY_SECONDS = 5.0
"""While the database is down, how long a process uses its copy before asking again."""

_cache: dict[str, tuple[float, Tenant]] = {}
_lock = threading.Lock()


def host_normalize(host: str) -> str:
    """A host name as it is stored and compared: lower-cased, without port or trailing dot
    ("DEMO.localhost:8000" -> "demo.localhost", "[::1]:8000" -> "[::1]"). Host names are
    case-insensitive (RFC 4343); "" for a value that is not a host."""
    domain, _ = split_domain_port(host.strip())
    return domain


def _copy_put(hostname: str, tenant: Tenant | None) -> None:
    """Leave (or, for None, drop) the shared copy of a host's lookup, with the time it was
    made. Under one key for every process, whatever site the caller is in."""
    if tenant is None:
        redis.call("delete", keys.host_copy(hostname))
        return
    fields: dict[str, Any] = {"at": time.time()}
    for field in Tenant._meta.concrete_fields:
        value = getattr(tenant, field.attname)
        fields[field.attname] = value.isoformat() if hasattr(value, "isoformat") else value
    redis.call("set", keys.host_copy(hostname), orjson.dumps(fields), ex=HOST_COPY_SECONDS)


def _copy_get(hostname: str) -> tuple[float, Tenant] | None:
    """The shared copy of a host's lookup: (its age in seconds, the tenant), or None."""
    raw = redis.call("get", keys.host_copy(hostname))
    if raw is None:
        return None
    try:
        fields = orjson.loads(raw)
        made = float(fields.pop("at"))
        values = {
            field.attname: field.to_python(fields[field.attname])
            for field in Tenant._meta.concrete_fields
        }
    except (ValueError, TypeError, KeyError, ValidationError):
        return None  # a copy in another release's shape
    tenant = Tenant(**values)
    tenant._state.adding, tenant._state.db = False, "default"
    return max(0.0, time.time() - made), tenant


def tenant_for_host(hostname: str) -> Tenant | None:
    """The active tenant serving `hostname` (in any case, with or without a port), or None.

    Raises the database's OperationalError/InterfaceError only for a host with no copy in this
    process or in Redis while the database is down."""
    hostname = host_normalize(hostname)
    now = time.monotonic()
    hit = _cache.get(hostname)
    if hit is not None and hit[0] > now:
        return hit[1]
    copy = _copy_get(hostname) if hit is None else None
    if copy is not None and copy[0] < settings.TENANT_CACHE_SECONDS:
        with _lock:
            _cache[hostname] = (now + settings.TENANT_CACHE_SECONDS - copy[0], copy[1])
        return copy[1]
    try:
        domain = (
            Domain.objects.select_related("tenant")
            .filter(domain=hostname, tenant__active=True)
            .first()
        )
    except (OperationalError, InterfaceError) as exc:
        if hit is not None:
            stale: Tenant | None = hit[1]
        else:
            copy = _copy_get(hostname)
            stale = copy[1] if copy is not None else None
        if stale is None:
            raise
        log.warning("host %s resolved from the last copy: %s", hostname, exc)
        # Ask the database again only after a while, not on every request of the outage.
        with _lock:
            _cache[hostname] = (now + RETRY_SECONDS, stale)
        return stale
    with _lock:
        if domain is None:
            _cache.pop(hostname, None)
        else:
            _cache[hostname] = (now + settings.TENANT_CACHE_SECONDS, domain.tenant)
    _copy_put(hostname, domain.tenant if domain is not None else None)
    return domain.tenant if domain is not None else None


def forget_host(hostname: str) -> None:
    """Drop one host's lookup here and its copy in Redis (a custom domain added or removed;
    other processes see it within TENANT_CACHE_SECONDS)."""
    hostname = host_normalize(hostname)
    with _lock:
        _cache.pop(hostname, None)
    _copy_put(hostname, None)


def forget_hosts() -> None:
    """Drop this process's cached lookups (after a site is suspended or a domain moves)."""
    with _lock:
        _cache.clear()
