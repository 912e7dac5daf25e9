"""The sign-in popup's pages on the site's host: `/auth/oidc/<id>/start` and
`/auth/oidc/<id>/callback` (embed/oidc.py does the protocol, through Authlib).

The widget opens `start?origin=<the embedding page's origin>[&guest=<commenter token>]` in
a popup. The origin must be one of the site's allowed origins, or the popup says so and
goes no further: the commenter token is only ever posted to a page the site allows. Start
sends the reader to the provider; the provider sends them back to the callback, which checks
the answer, signs the reader in (`reader_sign_in`, a `ReaderIdentity` of kind `oidc`), joins
the guest's comments of that browser to them (`embed.accounts.guest_join_id`), and answers a small
page that hands the widget `{"type": "palaver:signin", "commenter_token", "commenter"}` by
`window.opener.postMessage(message, origin)` to that origin only, then closes. A sign-in
that fails ends on a page that says why and posts `{"type": "palaver:signin", "error":
{"code", "message"}}` the same way; nothing here answers a 500.

These are pages, not API answers: each carries its own Content-Security-Policy (the one
inline script runs by its nonce), `Referrer-Policy: no-referrer` (the start URL may carry the
guest's token), and `Cross-Origin-Opener-Policy: unsafe-none`, so the popup keeps its opener.
"""

import secrets
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.clientip import client_ip
from core.ratelimit import rate_limit_hit
from core.urlnorm import InvalidURL, origin_normalize
from embed.accounts import guest_join_id, reader_sign_in
from embed.api.serializers import SignedInSerializer
from embed.models import OidcProvider, ReaderIdentity
from embed.oidc import Flow, OidcRefused, flow_waiting, sign_in_finish, sign_in_start
from embed.site import site_config
from embed.tokens import commenter_token_issue, commenter_token_read

MESSAGE_TYPE = "palaver:signin"


def _page(
    request: HttpRequest,
    *,
    status: int,
    title: str,
    text: str,
    origin: str | None = None,
    message: dict[str, Any] | None = None,
) -> HttpResponse:
    """The popup's last page: `text` for the reader, and `message` posted to `origin`."""
    nonce = secrets.token_urlsafe(16)
    body = render_to_string(
        "oidc/popup.html",
        {
            "title": title,
            "text": text,
            "nonce": nonce,
            "post": {"origin": origin, "message": message} if origin and message else None,
        },
        request=request,
    )
    response = HttpResponse(body, status=status)
    response["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return _popup_headers(response)


def _popup_headers(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    return response


def _failed(
    request: HttpRequest, refused: OidcRefused, *, origin: str | None, status: int = 400
) -> HttpResponse:
    message = {"type": MESSAGE_TYPE, "error": {"code": refused.code, "message": refused.message}}
    return _page(
        request, status=status, title="Sign-in failed", text=refused.message,
        origin=origin, message=message,
    )  # fmt: skip


def _provider(pk: int) -> OidcProvider | None:
    return OidcProvider.objects.filter(pk=pk, enabled=True).first()


def _origin_allowed(raw: object) -> str | None:
    """The page origin as the site's allowed origins spell it, or None if it is not one."""
    try:
        origin = origin_normalize(raw)
    except InvalidURL:
        return None
    return origin if origin in site_config(fresh=True).allowed_origins else None


@never_cache
@require_safe
def oidc_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the reader to the provider, or say why not (404 unknown provider, 403 origin not
    allowed, 429 too many starts, 502 provider unreachable)."""
    provider = _provider(pk)
    if provider is None:
        return _page(
            request, status=404, title="Sign-in not available",
            text="This site has no such sign-in. Close this window and try again.",
        )  # fmt: skip
    origin = _origin_allowed(request.GET.get("origin", ""))
    if origin is None:
        return _page(
            request, status=403, title="Sign-in refused",
            text="The page that asked for this sign-in is not one of this site's pages, so "
            "it cannot sign you in. Close this window.",
        )  # fmt: skip
    if rate_limit_hit(action="oidc", ip=client_ip(request), commenter_id=None) is not None:
        refused = OidcRefused("rate_limited", "Too many sign-ins from here. Try again soon.")
        return _failed(request, refused, origin=origin, status=429)
    guest = commenter_token_read(request.GET.get("guest", "")) if request.GET.get("guest") else None
    redirect_uri = request.build_absolute_uri(reverse("oidc-callback", args=[provider.pk]))
    try:
        url = sign_in_start(
            request, provider=provider, redirect_uri=redirect_uri,
            flow=Flow(origin=origin, guest=guest),
        )  # fmt: skip
    except OidcRefused as refused:
        return _failed(request, refused, origin=origin, status=502)
    return _popup_headers(HttpResponseRedirect(url))


@never_cache
@require_safe
def oidc_callback(request: HttpRequest, pk: int) -> HttpResponse:
    """The provider's answer: sign the reader in and post their token to the page origin
    the sign-in started from, or say why not (400 denied / bad state / unusable identity,
    404 unknown provider, 502 provider error)."""
    provider = _provider(pk)
    if provider is None:
        return _page(
            request, status=404, title="Sign-in not available",
            text="This site has no such sign-in. Close this window and try again.",
        )  # fmt: skip
    try:
        flow = flow_waiting(request, provider=provider)
    except OidcRefused as refused:
        # No origin is known for a state nobody is waiting for: nothing is posted.
        return _failed(request, refused, origin=None)
    origin = _origin_allowed(flow.origin)  # an origin the owner removed meanwhile: none
    try:
        user = sign_in_finish(request, provider=provider)
    except OidcRefused as refused:
        status = 502 if refused.code in ("provider_error", "private_address") else 400
        return _failed(request, refused, origin=origin, status=status)
    if origin is None:
        gone = OidcRefused("origin", "The page that asked for this sign-in is not allowed.")
        return _failed(request, gone, origin=None, status=403)
    try:
        commenter = reader_sign_in(kind=ReaderIdentity.Kind.OIDC, user=user)
        guest_join_id(guest_id=flow.guest, reader=commenter)
    except DatabaseError:
        unsaved = OidcRefused("unavailable", "The sign-in could not be saved. Try again soon.")
        return _failed(request, unsaved, origin=origin, status=503)
    body = {"commenter_token": commenter_token_issue(commenter.pk), "commenter": commenter}
    message = {"type": MESSAGE_TYPE, **SignedInSerializer(body).data}
    return _page(
        request, status=200, title="Signed in",
        text=f"You are signed in as {commenter.name}. You can close this window.",
        origin=origin, message=message,
    )  # fmt: skip


urlpatterns = [
    path("<int:pk>/start", oidc_start, name="oidc-start"),
    path("<int:pk>/callback", oidc_callback, name="oidc-callback"),
]
