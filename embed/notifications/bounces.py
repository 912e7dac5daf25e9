"""Bounces and complaints: an address that cannot or must not receive mail is suppressed.

Reports come from the operator's mail provider (a webhook to POST /api/v1/mail/events on the
platform host, with MAIL_EVENTS_TOKEN as a Bearer token) or from the operator
(`manage.py mail_suppress`). Every e-mail carries `X-Palaver-Site: <schema>`; a report that
names the site suppresses the address there, one without suppresses it on every site.
"""

import hmac
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django_tenants.utils import get_public_schema_name, schema_context
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from embed.models import MailAddress
from embed.notifications.subscriptions import address_suppress
from tenants.models import Tenant

REASONS = {"bounce": "bounce", "complaint": "complaint", "manual": "manual"}


def suppress_everywhere(*, email: str, reason: str, site: str | None = None) -> list[str]:
    """Suppress `email` on `site` (a slug or a schema name) or on every site; returns the
    slugs of the sites that knew the address. ValidationError for a bad address or site."""
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid e-mail address."}) from None
    if reason not in MailAddress.Suppression.values:
        raise ValidationError({"type": f"Use one of: {', '.join(REASONS)}."})
    tenants = Tenant.objects.exclude(schema_name=get_public_schema_name())
    if site:
        tenants = tenants.filter(slug=site) | tenants.filter(schema_name=site)
        if not tenants.exists():
            raise ValidationError({"site": "No such site."})
    known = []
    for tenant in tenants.order_by("slug"):
        with schema_context(tenant.schema_name):
            if address_suppress(email=email, reason=reason):
                known.append(tenant.slug)
    return known


class MailEventsToken(BasePermission):
    """The operator's MAIL_EVENTS_TOKEN as a Bearer token (compared in constant time)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        expected = settings.MAIL_EVENTS_TOKEN
        header = request.META.get("HTTP_AUTHORIZATION", "")
        given = header.removeprefix("Bearer ").strip()
        if expected and hmac.compare_digest(given.encode(), expected.encode()):
            return True
        raise exceptions.NotAuthenticated("Send the mail events token as a Bearer token.")


class MailEventInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    type = serializers.ChoiceField(choices=sorted(REASONS))
    site = serializers.CharField(max_length=63, required=False)


class MailEventResultSerializer(serializers.Serializer):
    suppressed = serializers.ListField(
        child=serializers.CharField(), help_text="Slugs of the sites that knew the address."
    )


class MailEventsApi(APIView):
    """`POST /api/v1/mail/events` on the platform host: a bounce or complaint report."""

    authentication_classes: list[type] = []
    permission_classes = [MailEventsToken]
    error_statuses = (401,)

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="palaver-mail-events"'  # a missing token is a 401, not a 403

    @extend_schema(request=MailEventInputSerializer, responses={200: MailEventResultSerializer})
    def post(self, request: Request) -> Response:
        data_in = MailEventInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        known = suppress_everywhere(
            email=data["email"].strip().lower(), reason=REASONS[data["type"]], site=data.get("site")
        )
        return Response(MailEventResultSerializer({"suppressed": known}).data)
