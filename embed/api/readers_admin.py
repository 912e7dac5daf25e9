"""Readers' data for moderators answering a reader's request (docs/privacy.md):
`/api/v1/admin/readers?q=` finds readers, `/admin/readers/<id>` is everything the site holds
about one (the JSON the reader's own export gives, with real statuses), and
`/admin/readers/<id>/erase` `{"confirm": "erase"}` erases it. Exports and erasures are
audited. An API token needs the `moderate` scope for all three: they show readers' addresses."""

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from core.staff import acting_user
from embed.api.admin import AdminApi, page_of
from embed.api.admin_serializers import ReadersPageSerializer
from embed.api.common import Text, json_response
from embed.api.serializers import ErasureSerializer, ReaderDataSerializer
from embed.models import ApiToken, Commenter
from embed.moderation.apitokens import scope_covers
from embed.privacy import reader_erase, reader_export_for_moderator, readers_find


class TokenMayModerate(BasePermission):
    """A call with an API token needs the `moderate` scope, reads included."""

    message = "Readers' data needs an API token with the moderate scope."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        return not isinstance(token, ApiToken) or scope_covers(token.scope, ApiToken.Scope.MODERATE)


class ReadersAdminApi(AdminApi):
    def get_permissions(self) -> list[Any]:
        return [*super().get_permissions(), TokenMayModerate()]


def reader_or_404(pk: int) -> Commenter:
    commenter = Commenter.objects.filter(pk=pk).first()
    if commenter is None:
        raise exceptions.NotFound("No such reader on this site.")
    return commenter


class ReadersApi(ReadersAdminApi):
    error_statuses = (401, 403, 404)  # 404: a page past the last

    @extend_schema(
        operation_id="admin_readers_list",
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="Reader id, part of a name or e-mail address"
            ),
            OpenApiParameter("page", OpenApiTypes.INT),
        ],
        responses={200: ReadersPageSerializer},
    )
    def get(self, request: Request) -> Response:
        items, meta = page_of(request, readers_find(request.query_params.get("q", "")))
        return Response(ReadersPageSerializer({"results": items, **meta}).data)


class ReaderApi(ReadersAdminApi):
    error_statuses = (401, 403, 404)

    @extend_schema(operation_id="admin_reader_export", responses={200: ReaderDataSerializer})
    def get(self, request: Request, pk: int) -> HttpResponse:
        data = reader_export_for_moderator(commenter=reader_or_404(pk), actor=acting_user(request))
        response = json_response(ReaderDataSerializer(data).data)
        response["Content-Disposition"] = f'attachment; filename="reader-{pk}.json"'
        return response


class ReaderEraseAdminApi(ReadersAdminApi):
    error_statuses = (401, 403, 404)

    class EraseInputSerializer(serializers.Serializer):
        confirm = Text(help_text='"erase": the moderator confirmed it')

    @extend_schema(
        operation_id="admin_reader_erase",
        request=EraseInputSerializer,
        responses={200: ErasureSerializer},
    )
    def post(self, request: Request, pk: int) -> Response:
        commenter = reader_or_404(pk)
        data_in = self.EraseInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        result = reader_erase(
            commenter=commenter,
            actor=acting_user(request),
            confirm=data_in.validated_data["confirm"],
        )
        return Response(ErasureSerializer(result.as_dict()).data)
