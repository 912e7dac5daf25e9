from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.clientip import client_ip
from core.logins import throttled_answer
from core.ratelimit import wait_phrase
from tenants.forms import SignupForm
from tenants.services import signup_errors, signup_wait, site_create


def landing(request: HttpRequest) -> HttpResponse:
    """The platform's home page with the signup form."""
    form = SignupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            wait = signup_wait(ip=client_ip(request))
            if wait is not None:
                form.add_error(
                    None, f"Too many sign-ups from your network; try again in {wait_phrase(wait)}."
                )
                status = 429
            else:
                data = form.cleaned_data
                try:
                    site = site_create(
                        slug=data["slug"],
                        name=data["name"],
                        owner_email=data["owner_email"],
                        owner_password=data["password"],
                        origins=form.origins(),
                    )
                except ValidationError as exc:
                    for field, messages in signup_errors(exc).items():
                        for message in messages:
                            form.add_error(field if field in form.fields else None, message)
                else:
                    return render(request, "signup_done.html", {"site": site}, status=201)
    context = {"form": form, "platform_name": settings.PLATFORM_NAME}
    return render(request, "landing.html", context, status=status)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The platform admin's log-in page (its form is throttled; see palaver.urls_public),
    answering 429 with Retry-After when it refuses for that."""
    return throttled_answer(admin.site.login(request))
