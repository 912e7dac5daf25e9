"""Security headers for the pages people open in a browser.

- Content-Security-Policy on every HTML answer that does not bring its own: scripts, styles,
  fonts and connections from the page's own origin only (no inline script or style: the
  templates keep theirs in static files), images also from https, no plugins, no <base>,
  forms posting to the same origin, and no framing by any page (frame-ancestors 'none', with
  X-Frame-Options: DENY for older browsers). The widget API's JSON and the widget scripts are
  not pages and get none.
- Cache-Control: no-store (Django's never-cache set) on the dashboard and the admin API, whose
  answers are one person's view of private data; no shared or browser cache keeps them.

HSTS is Django's SecurityMiddleware (SECURE_HSTS_SECONDS), sent only on secure requests;
whether a request is secure is believed from X-Forwarded-Proto only when a trusted proxy sent
it (core.clientip.ProxyHeadersMiddleware).
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from drf_spectacular.views import SpectacularSwaggerSplitView

PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# The API docs page (Swagger UI) keeps a few lines of inline CSS in its template; its script
# comes from a file (the "split" view), so only styles are relaxed there.
DOCS_CSP = PAGE_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def api_docs_view() -> Callable[..., Any]:
    """Swagger UI for the schema at the URL named "schema", under DOCS_CSP."""
    view = SpectacularSwaggerSplitView.as_view(url_name="schema")

    def docs(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        # Set before rendering (the Content-Type is not known yet); on the script it is inert.
        response["Content-Security-Policy"] = DOCS_CSP
        return response

    return docs


def is_private_path(path: str) -> bool:
    """Whether `path` answers with one signed-in person's private view (never cached)."""
    return path.startswith(tuple(settings.PRIVATE_PATH_PREFIXES))


class PageHeadersMiddleware:
    """Adds the CSP to HTML answers and no-store to private paths (see the module doc)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html"):
            if "Content-Security-Policy" not in response:
                response["Content-Security-Policy"] = PAGE_CSP
            # The older spelling of frame-ancestors, also on answers made before Django's
            # XFrameOptionsMiddleware runs (the unknown-host page).
            if "X-Frame-Options" not in response:
                response["X-Frame-Options"] = "DENY"
        if is_private_path(request.path):
            add_never_cache_headers(response)
        return response
