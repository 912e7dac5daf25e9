"""Admin API of notifications: webhooks (owners), the site's mail settings (owners) and each
moderator's own alert preference. Under /api/v1/admin/, by session or API token."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from core.staff import acting_user
from embed.api.admin import AdminApi, IsSiteOwner
from embed.models import AlertPreference, MailSettings, Webhook, WebhookDelivery
from embed.moderation.audit import audit
from embed.webhooks import services as webhooks

DELIVERY_PAGE = 50


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "description", "active", "secret", "created"]


class WebhookListSerializer(serializers.Serializer):
    webhooks = WebhookSerializer(many=True)


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event_id", "event", "status", "attempts", "created", "last_attempt",
            "next_attempt", "response_status", "latency_ms", "response_excerpt", "error",
        ]  # fmt: skip


class DeliveryListSerializer(serializers.Serializer):
    deliveries = DeliverySerializer(many=True)


class AlertModeSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=AlertPreference.Mode.choices)


def webhook_or_404(pk: int) -> Webhook:
    webhook = Webhook.objects.filter(pk=pk).first()
    if webhook is None:
        raise exceptions.NotFound("No such webhook on this site.")
    return webhook


class WebhookInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    events = serializers.ListField(child=serializers.CharField(max_length=32), max_length=20)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)
    rotate_secret = serializers.BooleanField(required=False)


class WebhooksApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(responses={200: WebhookListSerializer})
    def get(self, request: Request) -> Response:
        hooks = Webhook.objects.order_by("pk")
        return Response(WebhookListSerializer({"webhooks": hooks}).data)

    @extend_schema(request=WebhookInputSerializer, responses={201: WebhookSerializer})
    def post(self, request: Request) -> Response:
        data_in = WebhookInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        webhook = webhooks.webhook_create(
            url=data["url"],
            events=data["events"],
            description=data.get("description", ""),
            actor=acting_user(request),
        )
        audit(acting_user(request), "webhook.add", f"webhook {webhook.pk}", url=webhook.url)
        return Response(WebhookSerializer(webhook).data, status=201)


class WebhookApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(responses={200: WebhookSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(WebhookSerializer(webhook_or_404(pk)).data)

    @extend_schema(request=WebhookInputSerializer, responses={200: WebhookSerializer})
    def patch(self, request: Request, pk: int) -> Response:
        webhook = webhook_or_404(pk)
        data_in = WebhookInputSerializer(data=request.data, partial=True)
        data_in.is_valid(raise_exception=True)
        webhook = webhooks.webhook_update(webhook=webhook, **data_in.validated_data)
        audit(acting_user(request), "webhook.change", f"webhook {webhook.pk}", url=webhook.url)
        return Response(WebhookSerializer(webhook).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        webhook = webhook_or_404(pk)
        audit(acting_user(request), "webhook.remove", f"webhook {webhook.pk}", url=webhook.url)
        webhook.delete()
        return Response(status=204)


class WebhookDeliveriesApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(responses={200: DeliveryListSerializer})
    def get(self, request: Request, pk: int) -> Response:
        webhook = webhook_or_404(pk)
        items = webhook.deliveries.order_by("-created", "-pk")[:DELIVERY_PAGE]
        return Response(DeliveryListSerializer({"deliveries": items}).data)


class WebhookTestApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(request=None, responses={200: DeliverySerializer})
    def post(self, request: Request, pk: int) -> Response:
        item = webhooks.test_delivery_send(webhook=webhook_or_404(pk))
        return Response(DeliverySerializer(item).data)


class MailSettingsInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = MailSettings
        fields = ["sender_name", "reply_to", "site_hourly_cap", "recipient_daily_cap"]


class MailSettingsApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(responses={200: MailSettingsInputSerializer})
    def get(self, request: Request) -> Response:
        row = MailSettings.objects.first() or MailSettings.objects.create()
        return Response(MailSettingsInputSerializer(row).data)

    @extend_schema(
        request=MailSettingsInputSerializer, responses={200: MailSettingsInputSerializer}
    )
    def patch(self, request: Request) -> Response:
        row = MailSettings.objects.first() or MailSettings.objects.create()
        data_in = MailSettingsInputSerializer(row, data=request.data, partial=True)
        data_in.is_valid(raise_exception=True)
        data_in.save()
        audit(acting_user(request), "settings", "mail settings", **data_in.validated_data)
        return Response(data_in.data)


class AlertPreferenceApi(AdminApi):
    """The signed-in moderator's own choice: immediate, hourly, daily or off."""

    @extend_schema(responses={200: AlertModeSerializer})
    def get(self, request: Request) -> Response:
        row = AlertPreference.objects.filter(user_id=int(request.user.pk or 0)).first()
        return Response({"mode": row.mode if row else AlertPreference.Mode.IMMEDIATE})

    @extend_schema(request=AlertModeSerializer, responses={200: AlertModeSerializer})
    def put(self, request: Request) -> Response:
        data_in = AlertModeSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        row, _ = AlertPreference.objects.update_or_create(
            user_id=int(request.user.pk or 0), defaults={"mode": data_in.validated_data["mode"]}
        )
        return Response({"mode": row.mode})
