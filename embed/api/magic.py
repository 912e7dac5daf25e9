"""Signing in by a link e-mailed to the reader (embed/magiclinks.py):
`POST /api/v1/auth/magic {email, name?, url}` asks for one (always 202, the same answer for
every address), `POST /api/v1/auth/magic/redeem {code, guest_token?}` trades the link's code
for a commenter token of this site.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request

from core.clientip import client_ip
from core.errors import ErrorCode, Refused
from core.ratelimit import rate_limit_count, rules, subject_of
from core.text import display_name_clean
from core.urlnorm import origin_of
from embed.api.common import Text, WidgetApi, json_response, page_url, rate_limit
from embed.api.serializers import MagicLinkAskedSerializer, SignedInSerializer
from embed.magiclinks import CODE_MAX, MAGIC_LINK_MINUTES, magic_link_redeem, magic_link_request
from embed.site import site_config
from embed.tokens import commenter_token_issue

DEFAULT_MAGIC_RULES = "ip=10/3600,email=3/900"
EMAIL_MAX = 254


def _enabled() -> None:
    if not site_config(fresh=True).email_sign_in:
        raise Refused(ErrorCode.MAGIC_DISABLED, "This site does not sign readers in by e-mail.")


class MagicLinkAskApi(WidgetApi):
    """Mail a one-time sign-in link back to the page the reader is on.

    Limited per IP (429) and per address (past its limit the answer is the same, and no
    mail goes out: PALAVER_MAGIC_LIMITS), so it can neither flood an inbox nor tell anyone
    whether an address is known here."""

    error_statuses = (403, 429)

    class MagicAskInputSerializer(serializers.Serializer):
        email = Text(max_length=EMAIL_MAX)
        name = Text(required=False, allow_blank=True, max_length=200)
        url = Text(max_length=2000, help_text="The page to come back to (the thread's URL)")

    @extend_schema(request=MagicAskInputSerializer, responses={202: MagicLinkAskedSerializer})
    def post(self, request: Request) -> HttpResponse:
        data_in = self.MagicAskInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        _enabled()
        email = data_in.validated_data["email"].strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": "Enter a valid email address."}) from None
        name = display_name_clean(data_in.validated_data.get("name", ""), field="name")
        url = page_url(data_in.validated_data["url"])
        if origin_of(url) not in site_config().allowed_origins:
            raise ValidationError({"url": "Sign-in links lead only to pages of this site."})
        limits = rules("PALAVER_MAGIC_LIMITS", DEFAULT_MAGIC_RULES)
        ip = {"ip": subject_of(client_ip(request))}
        wait = rate_limit_count(action="magic", subjects=ip, limits=limits)
        if wait is not None:
            raise exceptions.Throttled(wait=wait, detail=f"Slow down: try again in {wait} seconds.")
        address = {"email": subject_of(email)}
        if rate_limit_count(action="magic", subjects=address, limits=limits) is None:
            magic_link_request(email=email, name=name, url=url)
        body = MagicLinkAskedSerializer({"minutes": MAGIC_LINK_MINUTES}).data
        return json_response(body, status=202)


class MagicLinkRedeemApi(WidgetApi):
    """Trade a sign-in link's code for a commenter token; once, within 15 minutes, on the
    site that sent it (each refusal a 401 with its reason code). `guest_token`: the token
    the browser held as a guest, whose comments then join the signed-in reader."""

    error_statuses = (401, 403, 429)

    class MagicRedeemInputSerializer(serializers.Serializer):
        # Any text: a wrong code is a 401 (magic_invalid), like any code not of this site.
        code = Text(allow_blank=True, trim_whitespace=False)
        guest_token = Text(required=False, allow_blank=True, max_length=1000)

    @extend_schema(request=MagicRedeemInputSerializer, responses={200: SignedInSerializer})
    def post(self, request: Request) -> HttpResponse:
        data_in = self.MagicRedeemInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        rate_limit(request, "magic_redeem", None)
        _enabled()
        code = data_in.validated_data["code"]
        if not code or len(code) > CODE_MAX:
            raise Refused(ErrorCode.MAGIC_INVALID, "This sign-in link is not valid here.")
        commenter = magic_link_redeem(
            code=code, guest_token=data_in.validated_data.get("guest_token") or None
        )
        body = {"commenter_token": commenter_token_issue(commenter.pk), "commenter": commenter}
        return json_response(SignedInSerializer(body).data)
