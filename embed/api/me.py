"""A reader's own data (docs/privacy.md): `GET /api/v1/me/export` answers everything the
site holds about the reader whose commenter token is sent, `POST /api/v1/me/erase`
`{"confirm": "erase"}` erases it (embed.privacy). Both are rate-limited like posts: an
export reads every row of a reader."""

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request

from embed.api.common import (
    Text,
    WidgetApi,
    bearer_token,
    json_response,
    rate_limit,
    reader_required,
)
from embed.api.serializers import ErasureSerializer, ReaderDataSerializer
from embed.privacy import reader_erase, reader_export
from embed.tokens import commenter_token_times


class ReaderExportApi(WidgetApi):
    error_statuses = (401, 429)

    @extend_schema(operation_id="me_export", responses={200: ReaderDataSerializer})
    def get(self, request: Request) -> HttpResponse:
        commenter = reader_required(request)
        rate_limit(request, "export", commenter)
        times = commenter_token_times(bearer_token(request) or "")
        token = {"issued": times[0], "expires": times[1]} if times else None
        data = reader_export(commenter=commenter, as_reader=True, token=token)
        response = json_response(ReaderDataSerializer(data).data)
        response["Content-Disposition"] = 'attachment; filename="my-comments-data.json"'
        response["Cache-Control"] = "no-store"
        return response


class ReaderEraseApi(WidgetApi):
    error_statuses = (401, 404, 429)  # 404: erased by a request that came first

    class EraseInputSerializer(serializers.Serializer):
        confirm = Text(help_text='"erase": the reader confirmed it')

    @extend_schema(
        operation_id="me_erase",
        request=EraseInputSerializer,
        responses={200: ErasureSerializer},
    )
    def post(self, request: Request) -> HttpResponse:
        commenter = reader_required(request)
        data_in = self.EraseInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        rate_limit(request, "erase", commenter)
        result = reader_erase(
            commenter=commenter, actor=None, confirm=data_in.validated_data["confirm"]
        )
        return json_response(ErasureSerializer(result.as_dict()).data)
