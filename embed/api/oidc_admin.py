"""Admin API of the readers' sign-in providers (owners): `/api/v1/admin/oidc-providers` and
`/api/v1/admin/oidc-providers/<id>`. The client secret goes in and never comes out: answers
say `has_secret` instead. Every change is audited (embed/moderation/providers.py)."""

from django.http import HttpRequest
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.staff import acting_user
from embed.api.admin import AdminApi, IsSiteOwner
from embed.models import OidcProvider
from embed.moderation.providers import (
    oidc_provider_create,
    oidc_provider_delete,
    oidc_provider_update,
)
from embed.oidc import provider_issuer


def redirect_uri(request: HttpRequest, provider: OidcProvider) -> str:
    """The callback to register with the provider: on the host this request came to."""
    return request.build_absolute_uri(f"/auth/oidc/{provider.pk}/callback")


class OidcProviderSerializer(serializers.ModelSerializer):
    """A sign-in provider as owners see it: never its client secret. `issuer` is the one
    readers' identities are kept under (the preset's for GitHub and Google);
    `redirect_uri` is the callback to register with the provider."""

    issuer = serializers.SerializerMethodField()
    has_secret = serializers.SerializerMethodField()
    redirect_uri = serializers.SerializerMethodField()

    class Meta:
        model = OidcProvider
        fields = [
            "id", "kind", "name", "issuer", "client_id", "has_secret", "enabled",
            "redirect_uri", "created", "updated",
        ]  # fmt: skip

    def get_issuer(self, provider: OidcProvider) -> str:
        return provider_issuer(provider)

    def get_has_secret(self, provider: OidcProvider) -> bool:
        return bool(provider.client_secret)

    def get_redirect_uri(self, provider: OidcProvider) -> str:
        return redirect_uri(self.context["request"], provider)


class OidcProviderListSerializer(serializers.Serializer):
    results = OidcProviderSerializer(many=True)


class OidcProviderInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OidcProvider.Kind.choices, default="oidc")
    name = serializers.CharField(max_length=64)
    issuer = serializers.CharField(max_length=250, required=False, allow_blank=True)
    client_id = serializers.CharField(max_length=255)
    # Empty in a change: keep the secret it has.
    client_secret = serializers.CharField(max_length=512, write_only=True, allow_blank=True)
    enabled = serializers.BooleanField(required=False)


def provider_or_404(pk: int) -> OidcProvider:
    provider = OidcProvider.objects.filter(pk=pk).first()
    if provider is None:
        raise exceptions.NotFound("No such sign-in provider on this site.")
    return provider


class OidcProvidersApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(
        operation_id="admin_oidc_providers_list", responses={200: OidcProviderListSerializer}
    )
    def get(self, request: Request) -> Response:
        items = OidcProvider.objects.order_by("pk")
        shown = OidcProviderListSerializer({"results": items}, context={"request": request})
        return Response(shown.data)

    @extend_schema(request=OidcProviderInputSerializer, responses={201: OidcProviderSerializer})
    def post(self, request: Request) -> Response:
        data_in = OidcProviderInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        provider = oidc_provider_create(actor=acting_user(request), **data_in.validated_data)
        shown = OidcProviderSerializer(provider, context={"request": request})
        return Response(shown.data, status=201)


class OidcProviderApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(responses={200: OidcProviderSerializer})
    def get(self, request: Request, pk: int) -> Response:
        shown = OidcProviderSerializer(provider_or_404(pk), context={"request": request})
        return Response(shown.data)

    @extend_schema(request=OidcProviderInputSerializer, responses={200: OidcProviderSerializer})
    def patch(self, request: Request, pk: int) -> Response:
        provider = provider_or_404(pk)
        data_in = OidcProviderInputSerializer(data=request.data, partial=True)
        data_in.is_valid(raise_exception=True)
        provider = oidc_provider_update(
            provider=provider, actor=acting_user(request), **data_in.validated_data
        )
        return Response(OidcProviderSerializer(provider, context={"request": request}).data)

    @extend_schema(responses={204: OpenApiResponse(description="Removed.")})
    def delete(self, request: Request, pk: int) -> Response:
        oidc_provider_delete(provider=provider_or_404(pk), actor=acting_user(request))
        return Response(status=204)
