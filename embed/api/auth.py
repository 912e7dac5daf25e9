"""Signing in with the site's own accounts: `POST /api/v1/auth/sso {"payload": "..."}`.

The payload (a Disqus-style `remote_auth_s3` or an HS256 JWT, see embed/sso.py) comes from
the site's server through its page (`data-sso`, or `disqus_config`'s
`this.page.remote_auth_s3`); the answer is a commenter token of this site for the reader it
names, with their name, picture and badge. A guest's comments from the same browser join
them (`guest_token`, embed.accounts.guest_join).
"""

from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request

from core.errors import ErrorCode, Refused
from core.tenancy import tenant_db
from embed.accounts import guest_join, reader_sign_in
from embed.api.common import Text, WidgetApi, json_response, rate_limit
from embed.api.serializers import SignedInSerializer
from embed.models import ReaderIdentity
from embed.site import site_config
from embed.sso import SsoRefused, sso_secrets, sso_verify
from embed.tokens import commenter_token_issue
from tenants.models import Domain


def site_hosts() -> list[str]:
    """Every host name of the current site: what a JWT's `aud` may be."""
    tenant = tenant_db().tenant
    return list(Domain.objects.filter(tenant_id=tenant.pk).values_list("domain", flat=True))


class SsoSignInApi(WidgetApi):
    error_statuses = (401, 403, 429)

    class SsoInputSerializer(serializers.Serializer):
        # Its length is checked with the rest of it (embed.sso): a 401, like any bad payload.
        payload = Text(allow_blank=True, trim_whitespace=False)
        # The commenter token the browser held as a guest: their comments join the reader.
        guest_token = Text(required=False, allow_blank=True, max_length=1000)

    @extend_schema(request=SsoInputSerializer, responses={200: SignedInSerializer})
    def post(self, request: Request) -> HttpResponse:
        data_in = self.SsoInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        rate_limit(request, "sso", None)
        if not site_config(fresh=True).sso_enabled:
            raise Refused(ErrorCode.SSO_DISABLED, "This site does not sign readers in.")
        try:
            user = sso_verify(
                data_in.validated_data["payload"], secrets=sso_secrets(), audiences=site_hosts()
            )
        except SsoRefused as refused:
            raise Refused(refused.code, refused.message) from None
        with transaction.atomic():
            commenter = reader_sign_in(kind=ReaderIdentity.Kind.SSO, user=user)
            guest_join(guest_token=data_in.validated_data.get("guest_token"), reader=commenter)
        body = {"commenter_token": commenter_token_issue(commenter.pk), "commenter": commenter}
        return json_response(SignedInSerializer(body).data)
