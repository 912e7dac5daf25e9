"""The admin API's imports: upload an export and follow it (owner only).

POST /api/v1/admin/imports         multipart: file, format?, base_url?, dry_run?  -> 202
GET  /api/v1/admin/imports         the site's imports, newest first
GET  /api/v1/admin/imports/<id>    status, progress, counts, report
"""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.openapi import error_responses
from core.staff import acting_user
from embed.api.admin import AdminApi, IsSiteOwner, page_of
from embed.api.admin_serializers import ImportSerializer, ImportsPageSerializer
from embed.importers.jobs import import_start
from embed.importers.source import FORMATS
from embed.models import Import


class ImportsApi(AdminApi):
    permission_classes = [IsSiteOwner]
    parser_classes = [MultiPartParser, FormParser]

    class ImportInputSerializer(serializers.Serializer):
        file = serializers.FileField(allow_empty_file=False)
        format = serializers.ChoiceField(choices=FORMATS, required=False, allow_blank=True)
        base_url = serializers.CharField(max_length=300, required=False, allow_blank=True)
        dry_run = serializers.BooleanField(default=False)

    @extend_schema(operation_id="admin_imports_list", responses={200: ImportsPageSerializer})
    def get(self, request: Request) -> Response:
        items, meta = page_of(request, Import.objects.order_by("-created", "-id"), size=20)
        return Response(ImportsPageSerializer({"results": items, **meta}).data)

    @extend_schema(
        request=ImportInputSerializer,
        responses={202: ImportSerializer, **error_responses(409)},
    )
    def post(self, request: Request) -> Response:
        data_in = self.ImportInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        values = data_in.validated_data
        job = import_start(
            upload=values["file"],
            actor=acting_user(request),
            format=values.get("format") or None,
            base_url=values.get("base_url") or None,
            dry_run=values["dry_run"],
        )
        job.refresh_from_db()
        response = Response(ImportSerializer(job).data, status=202)
        response["Location"] = f"/api/v1/admin/imports/{job.pk}"
        return response


class ImportApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(responses={200: ImportSerializer})
    def get(self, request: Request, pk: int) -> Response:
        job = Import.objects.filter(pk=pk).first()
        if job is None:
            raise exceptions.NotFound("No such import on this site.")
        return Response(ImportSerializer(job).data)
