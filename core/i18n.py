"""The dashboard's language: Django's LocaleMiddleware, on the paths that speak to people.

The dashboard follows the reader's Accept-Language (or the django_language cookie) among
settings.LANGUAGES. The widget API, embed.js and the feeds are not localized by the server:
the widget carries its own strings (widget/src/locales), and an API answer that varied by
Accept-Language would split every cached copy of a thread by the reader's language.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class DashboardLocaleMiddleware(LocaleMiddleware):
    """LocaleMiddleware for paths under settings.LOCALIZED_PATHS (prefixes such as
    "/dashboard/"); every other request stays in settings.LANGUAGE_CODE, with no
    Vary: Accept-Language or Content-Language header added."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        super().__init__(get_response)
        self.prefixes = tuple(settings.LOCALIZED_PATHS)

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith(self.prefixes):
            super().process_request(request)
        else:
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path_info.startswith(self.prefixes):
            return super().process_response(request, response)
        return response
