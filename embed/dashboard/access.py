"""Who may open which page, and the small helpers every dashboard view shares."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import LoginView, redirect_to_login
from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from core import paging
from core.logins import throttled_answer
from embed.moderation.team import role_of

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Anonymous visitors go to the login page; anyone not on this site's team gets a 403."""

    @wraps(view)
    def check(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if role_of(request.user) is None:
            return forbidden(request, "This account is not on the site's team.")
        return view(request, *args, **kwargs)

    return check


class LoginPage(LoginView):
    """Django's log-in view; a log-in refused for throttling answers 429 with Retry-After."""

    def form_invalid(self, form: Any) -> HttpResponse:
        return throttled_answer(super().form_invalid(form))


def owner_required(view: View) -> View:
    @wraps(view)
    def check(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if role_of(request.user) != "owner":
            return forbidden(request, "Only the site's owners can change this page.")
        return view(request, *args, **kwargs)

    return staff_required(check)


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "dashboard/forbidden.html", {"message": message}, status=403)


def wants_json(request: HttpRequest) -> bool:
    """The progressive script asks for JSON; a plain form post gets a redirect."""
    return "application/json" in request.headers.get("Accept", "")


def back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Redirect to the `next` the form carried (same host only), else to `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return HttpResponseRedirect(target if target and safe else default)


def page_of(request: HttpRequest, items: Any, size: int = paging.PAGE_SIZE) -> Page:
    """One page of `items`; a bad or out-of-range page number shows the nearest page."""
    return paging.page_of(items, request.GET.get("page"), size=size, strict=False)


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    section: str = "",
    status: int = 200,
) -> HttpResponse:
    """Render a dashboard page with what the layout needs: the role and the current section."""
    base = {
        "role": role_of(request.user),
        "section": section,
        "site": getattr(request, "tenant", None),
    }
    return render(request, template, {**base, **(context or {})}, status=status)
