"""The hot read answered in front of Django's request cycle.

`answer` serves `GET /api/v1/thread` when its payload is cached, without URL resolving,
the middleware chain, the request signals or a response object: host → site from the
in-process cache (tenants.resolution), the query checked as the input guard and the view
check it (`text_check`, `thread_query`), the payload from the same one-script Redis read
(`cached_payload`), and the view's answer (`thread_answer`) with the headers the public
middleware would add: CORS for the site's own origins (django-cors-headers' rules with
`embed.cors.allow_tenant_origin`), and Django's SecurityMiddleware headers.

Anything else returns None and the request takes the full path, which answers it the same
way or with its error: an unknown or invalid host, a malformed or refused query, a cache
miss, a settings change not yet seen, Redis or the database failing, HTTPS redirection on.
tests/test_fastpath.py holds the two paths to the same status, headers and body.
"""

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import redis as redis_lib
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import DatabaseError
from django_tenants.utils import remove_www
from rest_framework.exceptions import ValidationError

from core.clientip import PROXY_ONLY_HEADERS, peer_is_trusted
from core.http import accepts_gzip
from core.tenancy import tenant_db
from core.text import InputRefused, text_check
from embed.api.threads import cached_payload, thread_answer, thread_query
from embed.site import site_config
from tenants.resolution import host_normalize, tenant_for_host

PATH = "/api/v1/thread"
STATUS = {200: "200 OK", 304: "304 Not Modified"}
EXPOSE = ", ".join(settings.CORS_EXPOSE_HEADERS)


def _security_headers(secure: bool) -> list[tuple[str, str]]:
    """What django.middleware.security.SecurityMiddleware adds to a response that has none
    of them, from the same settings."""
    headers = []
    if settings.SECURE_HSTS_SECONDS and secure:
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        headers.append(("Strict-Transport-Security", value))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    policy = settings.SECURE_REFERRER_POLICY
    if policy:
        parts = [v.strip() for v in policy.split(",")] if isinstance(policy, str) else policy
        headers.append(("Referrer-Policy", ",".join(parts)))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    return headers


def _cors_headers(origin: str | None) -> list[tuple[str, str]]:
    """django-cors-headers' response headers for an allowed `origin` of this site (the
    project allows no origin globally: CORS_ALLOWED_ORIGINS is empty)."""
    if not origin:
        return []
    try:
        urlsplit(origin)
    except ValueError:
        return []
    if origin not in site_config().allowed_origins:
        return []
    return [("Access-Control-Allow-Origin", origin), ("Access-Control-Expose-Headers", EXPOSE)]


def usable() -> bool:
    """Whether the settings let the fast path answer at all: the global CORS settings it
    assumes, and no HTTPS redirection (which the full path's middleware does)."""
    return not (
        settings.SECURE_SSL_REDIRECT
        or settings.CORS_ALLOWED_ORIGINS
        or getattr(settings, "CORS_ALLOWED_ORIGIN_REGEXES", None)
        or getattr(settings, "CORS_ALLOW_ALL_ORIGINS", False)
        or settings.CORS_ALLOW_CREDENTIALS
    )


def answer(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes] | None:
    """Answer a cached hot read (see the module docstring), or None to take the full path."""
    request = WSGIRequest(environ)
    if not peer_is_trusted(request):
        for name in PROXY_ONLY_HEADERS:
            request.META.pop(name, None)
    try:
        hostname = remove_www(host_normalize(request.get_host()))
        tenant = tenant_for_host(hostname)
        if tenant is None:
            return None
        tenant_db().set_tenant(tenant)
        params = request.GET
        for name, values in params.lists():
            for value in values:
                text_check(name, value)
        query = thread_query(params)
        cached = cached_payload(query)
        if cached is None:
            return None
        etag, packed = cached
        origin = request.headers.get("Origin")
        cors = _cors_headers(origin)
    except (DisallowedHost, InputRefused, ValidationError, DatabaseError, redis_lib.RedisError):
        return None
    result = thread_answer(
        etag, packed, gzipped=accepts_gzip(request),
        if_none_match=environ.get("HTTP_IF_NONE_MATCH"),
    )  # fmt: skip
    headers = result.headers
    # CORS is enabled on every /api/v1/ path: django-cors-headers adds Vary: origin.
    headers = [(n, f"{v}, origin" if n == "Vary" else v) for n, v in headers]
    headers += cors + _security_headers(request.is_secure())
    headers.append(("Content-Length", str(len(result.body))))
    start_response(STATUS[result.status], headers)
    return [result.body]
