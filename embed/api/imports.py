"""The admin API's imports: upload an export and follow it (owner only).

POST /api/v1/admin/imports         multipart: file, format?, base_url?, dry_run?  -> 202
GET  /api/v1/admin/imports         the site's imports, newest first
GET  /api/v1/admin/imports/<id>    status, progress, counts, report
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from embed.api.admin import AdminApi, IsSiteOwner, page_of
from embed.importers.jobs import import_start, progress_get
from embed.importers.source import FORMATS
from embed.models import Import


def import_data(job: Import) -> dict[str, Any]:
    return {
        "id": job.pk,
        "status": job.status,
        "format": job.format or None,
        "detected": job.detected or None,
        "filename": job.filename,
        "size": job.size,
        "dry_run": job.dry_run,
        "base_url": job.base_url or None,
        "created": job.created,
        "started": job.started,
        "finished": job.finished,
        "progress": progress_get(job),
        "counts": {
            "threads": job.threads,
            "threads_created": job.threads_created,
            "comments": job.comments,
            "comments_created": job.comments_created,
            "comments_updated": job.comments_updated,
            "skipped": job.skipped,
        },
        "report": job.report,
        "error": job.error or None,
    }


class ImportsApi(AdminApi):
    permission_classes = [IsSiteOwner]
    parser_classes = [MultiPartParser, FormParser]

    class ImportInputSerializer(serializers.Serializer):
        file = serializers.FileField(allow_empty_file=False)
        format = serializers.ChoiceField(choices=FORMATS, required=False, allow_blank=True)
        base_url = serializers.CharField(max_length=300, required=False, allow_blank=True)
        dry_run = serializers.BooleanField(default=False)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        items, meta = page_of(request, Import.objects.order_by("-created", "-id"), size=20)
        return Response({"results": [import_data(job) for job in items], **meta})

    @extend_schema(request=ImportInputSerializer, responses={202: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data_in = self.ImportInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        values = data_in.validated_data
        job = import_start(
            upload=values["file"],
            actor=request.user,
            format=values.get("format") or None,
            base_url=values.get("base_url") or None,
            dry_run=values["dry_run"],
        )
        job.refresh_from_db()
        response = Response(import_data(job), status=202)
        response["Location"] = f"/api/v1/admin/imports/{job.pk}"
        return response


class ImportApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        job = Import.objects.filter(pk=pk).first()
        if job is None:
            raise exceptions.NotFound("No such import on this site.")
        return Response(import_data(job))
