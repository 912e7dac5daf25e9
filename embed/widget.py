"""Serves the built widget (widget/dist/, see docs/widget.md): /embed.js, /count.js,
/sso.js (sign-in with the site's accounts, fetched only by pages that use it), /signin.js
(sign-in by e-mail link, fetched by sso.js for sites that turned it on), /oidc.js
(sign-in with the site's providers, fetched only on sites that have some), /permalink.js
(fetched by pages opened at #comment-<id>), /privacy.js (a reader's "Your data", fetched only
for readers holding a commenter token), and
/locales/<code>.json, the strings a reader in another language than English fetches; and
/avatars/<seed>.svg, the identicons of signed-in readers without a picture (embed/avatars.py).

Each file is read and gzipped once per process and answered from memory: no SQL, no
template, no storage backend. The ETag is strong and differs per encoding (the gzipped and
the plain bytes are different representations), and `Cache-Control` is short so a fix rolls
out within minutes while the ETag keeps each revalidation to a 304.
"""

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import path, re_path
from django.views.decorators.http import require_safe

from core.http import accepts_gzip, etag_matches, gzip_etag
from embed.avatars import identicon_svg

WIDGET_DIR = Path(settings.BASE_DIR) / "widget" / "dist"
CACHE_CONTROL = "public, max-age=300"
SCRIPT = "text/javascript; charset=utf-8"
JSON = "application/json"


@dataclass(frozen=True)
class Asset:
    plain: bytes
    gzipped: bytes
    etag: str  # of the plain bytes; the gzipped representation appends "-gz"

    @property
    def etag_gzip(self) -> str:
        return gzip_etag(self.etag)


@cache
def asset_load(name: str) -> Asset:
    plain = (WIDGET_DIR / name).read_bytes()
    # mtime=0 makes the compressed bytes, and so the ETag, the same in every process.
    gzipped = gzip.compress(plain, compresslevel=9, mtime=0)
    digest = hashlib.sha256(plain).hexdigest()[:20]
    return Asset(plain=plain, gzipped=gzipped, etag=f'"{digest}"')


def asset_response(request: HttpRequest, name: str, content_type: str) -> HttpResponseBase:
    """The file `name` of widget/dist, gzipped when the client takes it, or a 304."""
    if settings.DEBUG:
        asset_load.cache_clear()  # pick up a rebuild of widget/dist without a restart
    asset = asset_load(name)
    gzipped = accepts_gzip(request)
    etag = asset.etag_gzip if gzipped else asset.etag
    if etag_matches(request.headers.get("If-None-Match"), asset.etag, asset.etag_gzip):
        response: HttpResponse = HttpResponse(status=304)
    else:
        body = asset.gzipped if gzipped else asset.plain
        response = HttpResponse(body, content_type=content_type)
        if gzipped:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = "Accept-Encoding"
    response["Access-Control-Allow-Origin"] = "*"
    # Pages that isolate themselves (COEP) may still load the script.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


SCRIPTS = ("embed", "count", "sso", "oidc", "permalink", "signin", "privacy")
"""The widget's scripts, each served at /<name>.js from widget/dist (docs/widget.md)."""


@require_safe
def script(request: HttpRequest, name: str) -> HttpResponseBase:
    """One of the widget's SCRIPTS (`name` without `.js`)."""
    return asset_response(request, f"{name}.js", SCRIPT)


@require_safe
def identicon(request: HttpRequest, seed: str) -> HttpResponseBase:
    """An identicon: a function of the seed alone, so it is cached for good."""
    response = HttpResponse(identicon_svg(seed), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@require_safe
def locale_json(request: HttpRequest, code: str) -> HttpResponseBase:
    """A locale's strings; English is built into embed.js and has no file."""
    if not (WIDGET_DIR / "locales" / f"{code}.json").is_file():
        raise Http404("No such locale.")
    return asset_response(request, f"locales/{code}.json", JSON)


urlpatterns = [
    *(path(f"{name}.js", script, {"name": name}, name=f"widget-{name}") for name in SCRIPTS),
    re_path(r"^avatars/(?P<seed>[0-9a-f]{20})\.svg$", identicon, name="widget-identicon"),
    re_path(r"^locales/(?P<code>[a-z]{2})\.json$", locale_json, name="widget-locale"),
]
