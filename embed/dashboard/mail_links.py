"""The pages e-mail links open (/mail/…), on the site's own host: confirm an address,
unsubscribe (RFC 8058 one-click POST, or the page's button), stop all e-mail, approve or
reject a held comment.

A GET only shows what the link will do, with one button; the change happens on POST. Mail
scanners fetch every link of an e-mail, and must not confirm, unsubscribe or approve anything.
The POSTs come from a mail client or from this page with no session, so they are exempt from
CSRF: the signed token in the URL is the credential.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from embed.models import MailAddress, Subscription
from embed.moderation import links as moderation_links
from embed.notifications import subscriptions
from embed.notifications.mail import site_name
from embed.sitelinks import CONFIRM_MAX_AGE_SECONDS, token_read


def _page(request: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
    response = render(
        request, "mail/page.html", {"site_name": site_name(), **context}, status=status
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to linked pages
    return response


def _bad_link(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        status=404,
        title="This link does not work",
        message="It may be incomplete, expired, or meant for another site.",
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    address_id = token_read("confirm", token, max_age=CONFIRM_MAX_AGE_SECONDS)
    if not isinstance(address_id, int):
        return _bad_link(request)
    address = MailAddress.objects.filter(pk=address_id).first()
    if address is None:
        return _bad_link(request)
    if request.method == "GET":
        return _page(
            request,
            title="Confirm your e-mail address",
            message=f"Confirm that {address.email} wants e-mails about replies.",
            button="Yes, send me e-mails about replies",
        )
    if subscriptions.address_confirm(address_id=address_id) is None:
        return _page(
            request, status=410, title="We cannot send to this address",
            message="Mail to it bounced or was reported; we will not send any more.",
        )  # fmt: skip
    return _page(
        request,
        title="Confirmed",
        message="You will get an e-mail when someone replies. Every e-mail has a link to stop.",
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    subscription_id = token_read("unsubscribe", token)
    if not isinstance(subscription_id, int):
        return _bad_link(request)
    subscription = Subscription.objects.select_related("thread").filter(pk=subscription_id).first()
    if subscription is None:
        return _bad_link(request)
    page = subscription.thread.title or subscription.thread.url
    if request.method == "GET":
        return _page(
            request,
            title="Unsubscribe",
            message=f'Stop e-mails about replies on "{page}"?',
            button="Unsubscribe",
        )
    # RFC 8058: a one-click POST has the body "List-Unsubscribe=One-Click"; our own button
    # posts an empty form. Both unsubscribe.
    subscriptions.subscription_end(subscription_id=subscription_id)
    return _page(
        request, title="Unsubscribed", message=f'No more e-mails about replies on "{page}".'
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def stop_all_view(request: HttpRequest, token: str) -> HttpResponse:
    address_id = token_read("stop-all", token)
    address = MailAddress.objects.filter(pk=address_id).first() if address_id else None
    if address is None:
        return _bad_link(request)
    if request.method == "GET":
        return _page(
            request,
            title="Stop all e-mail",
            message=f"Send nothing more to {address.email} from this site?",
            button="Stop all e-mail",
        )
    subscriptions.address_suppress(email=address.email, reason=MailAddress.Suppression.UNSUBSCRIBED)
    return _page(request, title="Done", message="This site will send you no more e-mail.")


OUTCOMES = {
    "used": "This link was used already.",
    "expired": "This link has expired; decide in the dashboard.",
    "forbidden": "Your account can no longer moderate this site.",
    "moderated": "Someone decided on this comment first.",
}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def moderate_view(request: HttpRequest, token: str) -> HttpResponse:
    value = token_read("moderate", token)
    if not isinstance(value, dict) or value.get("a") not in ("approve", "reject"):
        return _bad_link(request)
    nonce, action = str(value.get("n")), value["a"]
    row = moderation_links.action_link_peek(nonce=nonce)
    if row is None:
        return _bad_link(request)
    comment = row.comment
    if request.method == "GET":
        if row.used is not None:
            return _page(request, status=410, title="Link used", message=OUTCOMES["used"])
        return _page(
            request,
            title=f"{action.title()} this comment?",
            message=f"By {comment.author.name or 'a reader'} on "
            f"{comment.thread.title or comment.thread.url}:",
            comment_html=comment.body_html,
            button=action.title(),
        )
    outcome, _ = moderation_links.action_link_use(nonce=nonce, action=action)
    if outcome == "done":
        verb = "approved" if action == "approve" else "rejected"
        return _page(request, title=f"Comment {verb}", message=f"The comment is {verb}.")
    if outcome == "missing":
        return _bad_link(request)
    return _page(request, status=410, title="Nothing done", message=OUTCOMES[outcome])
