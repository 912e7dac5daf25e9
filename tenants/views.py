from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.forms import SignupForm
from tenants.services import site_create


def landing(request: HttpRequest) -> HttpResponse:
    """The platform's home page with the signup form."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
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
            for field, messages in exc.message_dict.items():
                target = {"owner_password": "password", "origins": "allowed_origins"}.get(
                    field, field
                )
                for message in messages:
                    form.add_error(target if target in form.fields else None, message)
        else:
            return render(request, "signup_done.html", {"site": site}, status=201)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "platform_name": settings.PLATFORM_NAME}
    return render(request, "landing.html", context, status=status)
