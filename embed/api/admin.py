"""The dashboard's API, /api/v1/admin/…: site staff only, by session or API token.

Moderators run the queue and bans; settings and the team are the owner's. Staff of another
site have no session or token in this site's schema, so they get nothing here.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

if TYPE_CHECKING:
    from rest_framework.permissions import _SupportsHasPermission

from core import paging
from core.paging import PAGE_SIZE
from core.staff import acting_user
from embed import queue as queries
from embed.api.admin_auth import (
    ApiTokenAuthentication,
    IsSiteOwner,
    IsSiteStaff,
    TokenScopeAllows,
)
from embed.api.admin_serializers import (
    AdminCommentInContextSerializer,
    AdminCommentSerializer,
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    ApiTokensSerializer,
    AuditPageSerializer,
    BanSerializer,
    BansPageSerializer,
    BulkResultSerializer,
    QueuePageSerializer,
    SettingsSerializer,
    SsoSecretSerializer,
    StatsSerializer,
    TeamMemberSerializer,
    TeamSerializer,
    ThreadClosedSerializer,
    ThreadsPageSerializer,
)
from embed.models import ApiToken, Ban, Comment, Thread
from embed.moderation.actions import (
    ACTIONS,
    comment_moderate,
    comments_moderate_bulk,
    thread_set_closed,
)
from embed.moderation.apitokens import api_token_create, api_token_revoke
from embed.moderation.bans import ban_create, ban_lift
from embed.moderation.configure import settings_change, sso_secret_rotate
from embed.moderation.team import team_member_add, team_member_remove, users
from embed.selectors import comment_or_404, thread_search
from embed.site import site_settings_row

__all__ = ["AdminApi", "IsSiteOwner", "IsSiteStaff", "page_of"]


class AdminApi(APIView):
    """Base of the admin API's views; `error_statuses` as in embed.api.common.WidgetApi."""

    error_statuses: tuple[int, ...] = (401, 403)
    # Token first, so an anonymous call is told how to authenticate (401, not 403).
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsSiteStaff]

    def get_permissions(self) -> "Sequence[_SupportsHasPermission]":
        # The token's scope is checked whatever the view's own permission classes are.
        return [*super().get_permissions(), TokenScopeAllows()]


def page_of(request: Request, items: QuerySet, size: int = PAGE_SIZE) -> tuple[list, dict]:
    """One page of `items` and its {"page", "pages", "count"} (core.paging, strict)."""
    page = paging.page_of(items, request.query_params.get("page"), size=size, strict=True)
    return list(page.object_list), paging.page_meta(page)


def int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    if not raw.isdigit():
        raise exceptions.ValidationError({name: ["A number, please."]})
    return int(raw)


class QueueApi(AdminApi):
    @extend_schema(operation_id="admin_comments_list", responses={200: QueuePageSerializer})
    def get(self, request: Request) -> Response:
        status = request.query_params.get("status", Comment.Status.PENDING)
        if status not in (*Comment.Status.values, "all"):
            raise exceptions.ValidationError({"status": ["Unknown status."]})
        comments = queries.queue(
            status=None if status == "all" else status,
            thread_id=int_param(request, "thread"),
            commenter_id=int_param(request, "commenter"),
            text=request.query_params.get("q", "").strip(),
            reason=request.query_params.get("reason", "").strip(),
        )
        items, meta = page_of(request, comments)
        return Response(QueuePageSerializer({"results": items, **meta}).data)


class CommentAdminApi(AdminApi):
    @extend_schema(responses={200: AdminCommentInContextSerializer})
    def get(self, request: Request, pk: int) -> Response:
        comment = comment_or_404(pk)
        surroundings = queries.comment_context(comment)
        shown = AdminCommentInContextSerializer(comment, context={"surroundings": surroundings})
        return Response(shown.data)


class CommentActionApi(AdminApi):
    @extend_schema(request=None, responses={200: AdminCommentSerializer})
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in ACTIONS:
            raise exceptions.NotFound(f"Unknown action; use one of: {', '.join(ACTIONS)}.")
        comment = comment_moderate(
            comment=comment_or_404(pk), action=action, actor=acting_user(request)
        )
        return Response(AdminCommentSerializer(comment_or_404(comment.pk)).data)


class BulkActionApi(AdminApi):
    class BulkInputSerializer(serializers.Serializer):
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1), min_length=1, max_length=500
        )
        action = serializers.ChoiceField(choices=ACTIONS)

    @extend_schema(request=BulkInputSerializer, responses={200: BulkResultSerializer})
    def post(self, request: Request) -> Response:
        data_in = self.BulkInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        done = comments_moderate_bulk(
            ids=data_in.validated_data["ids"],
            action=data_in.validated_data["action"],
            actor=acting_user(request),
        )
        return Response(BulkResultSerializer({"changed": done}).data)


class ThreadsAdminApi(AdminApi):
    @extend_schema(responses={200: ThreadsPageSerializer})
    def get(self, request: Request) -> Response:
        threads = Thread.objects.order_by("-last_activity", "-id")
        text = request.query_params.get("q", "").strip()
        if text:
            threads = threads.filter(thread_search(text))
        items, meta = page_of(request, threads)
        return Response(ThreadsPageSerializer({"results": items, **meta}).data)


class ThreadCloseApi(AdminApi):
    @extend_schema(request=None, responses={200: ThreadClosedSerializer})
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in ("close", "reopen"):
            raise exceptions.NotFound("Use close or reopen.")
        thread = Thread.objects.filter(pk=pk).first()
        if thread is None:
            raise exceptions.NotFound("No such thread on this site.")
        thread_set_closed(thread=thread, closed=action == "close", actor=acting_user(request))
        return Response(ThreadClosedSerializer(thread).data)


class BansApi(AdminApi):
    class BanInputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Ban.Kind.choices)
        value = serializers.CharField(max_length=254)
        shadow = serializers.BooleanField(default=False)
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
        expires = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(responses={200: BansPageSerializer})
    def get(self, request: Request) -> Response:
        items, meta = page_of(request, Ban.objects.order_by("-created", "-id"))
        return Response(BansPageSerializer({"results": items, **meta}).data)

    @extend_schema(request=BanInputSerializer, responses={201: BanSerializer})
    def post(self, request: Request) -> Response:
        data_in = self.BanInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        ban = ban_create(actor=acting_user(request), **data_in.validated_data)
        return Response(BanSerializer(ban).data, status=201)


class BanApi(AdminApi):
    @extend_schema(responses={204: OpenApiResponse(description="Lifted.")})
    def delete(self, request: Request, pk: int) -> Response:
        ban = Ban.objects.filter(pk=pk).first()
        if ban is None:
            raise exceptions.NotFound("No such ban.")
        ban_lift(ban=ban, actor=acting_user(request))
        return Response(status=204)


class AuditApi(AdminApi):
    @extend_schema(responses={200: AuditPageSerializer})
    def get(self, request: Request) -> Response:
        items, meta = page_of(request, queries.audit_log())
        return Response(AuditPageSerializer({"results": items, **meta}).data)


class StatsApi(AdminApi):
    @extend_schema(responses={200: StatsSerializer})
    def get(self, request: Request) -> Response:
        stats = {**queries.stats(), "status_counts": queries.status_counts()}
        return Response(StatsSerializer(stats).data)


class SettingsApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(responses={200: SettingsSerializer})
    def get(self, request: Request) -> Response:
        row = site_settings_row()
        return Response(SettingsSerializer(row).data)

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: SettingsSerializer})
    def patch(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
        row = settings_change(actor=acting_user(request), **request.data)
        return Response(SettingsSerializer(row).data)


class SsoSecretApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(request=None, responses={201: SsoSecretSerializer})
    def post(self, request: Request) -> Response:
        """A new SSO secret (the first, or in place of the current one). Takes no body."""
        if request.data:  # reading it refuses malformed JSON, as every endpoint does
            raise exceptions.ValidationError({"non_field_errors": ["This call takes no body."]})
        secret = sso_secret_rotate(actor=acting_user(request))
        body = {"secret": secret, "previous_valid_until": site_settings_row().sso_previous_until}
        return Response(SsoSecretSerializer(body).data, status=201)


class TeamApi(AdminApi):
    permission_classes = [IsSiteOwner]

    class MemberInputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        role = serializers.ChoiceField(choices=["owner", "moderator"])

    @extend_schema(responses={200: TeamSerializer})
    def get(self, request: Request) -> Response:
        staff = users().filter(is_staff=True, is_active=True).order_by("-is_superuser", "email")
        return Response(TeamSerializer({"results": staff}).data)

    @extend_schema(request=MemberInputSerializer, responses={201: TeamMemberSerializer})
    def post(self, request: Request) -> Response:
        data_in = self.MemberInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        user = team_member_add(actor=acting_user(request), **data_in.validated_data)
        return Response(TeamMemberSerializer(user).data, status=201)


class TeamMemberApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(responses={204: OpenApiResponse(description="Removed from the team.")})
    def delete(self, request: Request, pk: int) -> Response:
        user = users().filter(pk=pk, is_staff=True).first()
        if user is None:
            raise exceptions.NotFound("No such team member.")
        team_member_remove(user=user, actor=acting_user(request))
        return Response(status=204)


class ApiTokensApi(AdminApi):
    """The site's admin API tokens: owners list them and make new ones."""

    permission_classes = [IsSiteOwner]

    class TokenInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        scope = serializers.ChoiceField(choices=ApiToken.Scope.choices)

    @extend_schema(responses={200: ApiTokensSerializer})
    def get(self, request: Request) -> Response:
        tokens = ApiToken.objects.select_related("created_by").order_by("-created", "-pk")
        return Response(ApiTokensSerializer({"results": tokens}).data)

    @extend_schema(request=TokenInputSerializer, responses={201: ApiTokenCreatedSerializer})
    def post(self, request: Request) -> Response:
        data_in = self.TokenInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        row, token = api_token_create(actor=acting_user(request), **data_in.validated_data)
        # The token is on no model field: it exists only in this answer.
        return Response({**ApiTokenSerializer(row).data, "token": token}, status=201)


class ApiTokenApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    def delete(self, request: Request, pk: int) -> Response:
        """Revoke the token (it stays listed, marked revoked)."""
        row = ApiToken.objects.select_related("created_by").filter(pk=pk).first()
        if row is None:
            raise exceptions.NotFound("No such API token.")
        row = api_token_revoke(token=row, actor=acting_user(request))
        return Response(ApiTokenSerializer(row).data)
