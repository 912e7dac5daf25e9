"""Bounces and complaints: an address that cannot or must not receive mail is suppressed.

Reports come from the operator's mail provider (a webhook to POST /api/v1/mail/events on the
platform host, with MAIL_EVENTS_TOKEN as a Bearer token) or from the operator
(`manage.py mail_suppress`). Every e-mail carries `X-Palaver-Site: <schema>`; a report that
names the site suppresses the address there, one without suppresses it on every site.
"""

import hmac
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_tenants.utils import get_public_schema_name, schema_context

from embed.notifications.models import MailAddress
from embed.notifications.subscriptions import address_suppress
from palaver.errors import ErrorCode, error_body
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


def _error(status: int, code: ErrorCode, message: str, fields: dict | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, message, fields), status=status)


@csrf_exempt
@require_POST
def mail_events_view(request: HttpRequest) -> HttpResponse:
    """`{"email", "type": "bounce"|"complaint", "site"?}` → `{"suppressed": [slugs]}`."""
    expected = settings.MAIL_EVENTS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return _error(401, ErrorCode.NOT_AUTHENTICATED, "Send the mail events token.")
    try:
        data = json.loads(request.body)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("email"), str):
        return _error(400, ErrorCode.INVALID, 'Send {"email", "type"}.')
    reason = REASONS.get(str(data.get("type")))
    site = data.get("site")
    try:
        if reason is None:
            raise ValidationError({"type": f"Use one of: {', '.join(REASONS)}."})
        known = suppress_everywhere(
            email=data["email"].strip().lower(),
            reason=reason,
            site=site if isinstance(site, str) else None,
        )
    except ValidationError as exc:
        fields = {name: list(messages) for name, messages in exc.message_dict.items()}
        return _error(400, ErrorCode.INVALID, next(iter(fields.values()))[0], fields)
    return JsonResponse({"suppressed": known})
