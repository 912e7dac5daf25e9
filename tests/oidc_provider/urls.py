"""The provider's pages: OAuth 2 / OIDC (django-oauth-toolkit under /o/), a log-in form, and
`POST /clients`, where a test registers the client (and its redirect URI) it will use."""

import json

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import get_application_model


@csrf_exempt
def clients(request: HttpRequest) -> HttpResponse:
    """Register a confidential client: {client_id, client_secret, redirect_uris: [...]}."""
    if request.headers.get("X-Test-Token") != settings.SECRET_KEY or request.method != "POST":
        return JsonResponse({"error": "forbidden"}, status=403)
    data = json.loads(request.body)
    application = get_application_model()
    application.objects.filter(client_id=data["client_id"]).delete()
    application.objects.create(
        name=data["client_id"],
        client_id=data["client_id"],
        client_secret=data["client_secret"],
        client_type=application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(data["redirect_uris"]),
        algorithm=application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    return JsonResponse({"ok": True}, status=201)


urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("login/", LoginView.as_view(template_name="login.html"), name="login"),
    path("clients", clients),
]
