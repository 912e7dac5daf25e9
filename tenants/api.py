from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.clientip import client_ip
from tenants.serializers import SiteCreatedSerializer
from tenants.services import signup_errors, signup_wait, site_create


class SiteCreateApi(APIView):
    """Sign up: create a site and its owner, answer with the embed snippet."""

    error_statuses = (429,)

    class SiteInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        slug = serializers.CharField(max_length=40)
        owner_email = serializers.EmailField()
        password = serializers.CharField(
            min_length=8, max_length=128, write_only=True, trim_whitespace=False
        )
        allowed_origins = serializers.ListField(
            child=serializers.CharField(max_length=255), max_length=50, required=False
        )

    @extend_schema(
        request=SiteInputSerializer,
        responses={201: SiteCreatedSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = self.SiteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        wait = signup_wait(ip=client_ip(request))
        if wait is not None:
            raise exceptions.Throttled(wait=wait, detail="Too many sign-ups from your network.")
        try:
            site = site_create(
                slug=data["slug"],
                name=data["name"],
                owner_email=data["owner_email"],
                owner_password=data["password"],
                origins=data.get("allowed_origins", []),
            )
        except ValidationError as exc:
            raise ValidationError(signup_errors(exc)) from None
        return Response(SiteCreatedSerializer(site).data, status=status.HTTP_201_CREATED)
