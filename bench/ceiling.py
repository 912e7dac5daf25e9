"""The framework ceiling: a trivial Django view returning the hot read's exact bytes.

No middleware, no database, no apps: what Django itself costs per request under a given
server. `BENCH_CEILING_BODY` names the file holding the bytes (the bench writes the hot
read's body there). Served as `bench.ceiling:application` (WSGI) or `bench.ceiling:asgi`.
"""

import os
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import path

BODY = Path(os.environ["BENCH_CEILING_BODY"]).read_bytes()
ETAG = os.environ.get("BENCH_CEILING_ETAG", '"ceiling"')


def thread(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(BODY, content_type="application/json")
    response["ETag"] = ETAG
    response["Cache-Control"] = "public, max-age=0, s-maxage=1"
    return response


urlpatterns = [path("api/v1/thread", thread)]

settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ.get("SECRET_KEY", "ceiling-" + "x" * 40),
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)

from django.core.asgi import get_asgi_application  # noqa: E402 - needs settings first
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
asgi = get_asgi_application()
