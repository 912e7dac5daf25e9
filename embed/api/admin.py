"""The dashboard's API, /api/v1/admin/…: site staff only, by session or API token.

Moderators run the queue and bans; settings and the team are the owner's. Staff of another
site have no session or token in this site's schema, so they get nothing here.
"""

from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from embed.models import AuditEntry, Ban, Comment, SiteSettings, Thread
from embed.moderation import queries
from embed.moderation.actions import (
    ACTIONS,
    comment_moderate,
    comments_moderate_bulk,
    thread_set_closed,
)
from embed.moderation.bans import ban_create, ban_lift
from embed.moderation.configure import EDITABLE, settings_change
from embed.moderation.team import role_of, team_member_add, team_member_remove, users
from embed.selectors import thread_search


class IsSiteStaff(BasePermission):
    message = "Moderators of this site only."

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) is not None


class IsSiteOwner(BasePermission):
    message = "Only the site's owners can do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) == "owner"


class AdminApi(APIView):
    # Token first, so an anonymous call is told how to authenticate (401, not 403).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsSiteStaff]


def comment_admin_data(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "status": comment.status,
        "body": comment.body,
        "html": comment.body_html,
        "created": comment.created,
        "edited": comment.edited,
        "score": comment.score,
        "pinned": comment.pinned,
        "parent": comment.parent_id,
        "flags": getattr(comment, "flag_count", None),
        "reasons": comment.reasons,
        "spam_score": comment.spam_score,
        "shadowed": comment.shadowed,
        "ip": comment.ip,
        "author": {
            "id": comment.author_id,
            "name": comment.author.name,
            "email": comment.author.email,
        },
        "thread": {
            "id": comment.thread_id,
            "url": comment.thread.url,
            "title": comment.thread.title,
            "closed": comment.thread.closed,
        },
    }


def page_of(request: Request, items: QuerySet, size: int = queries.PAGE_SIZE) -> tuple[list, dict]:
    try:
        number = int(request.query_params.get("page", "1"))
    except ValueError:
        raise exceptions.ValidationError({"page": ["A page number, please."]}) from None
    paginator = Paginator(items, size)
    try:
        page = paginator.page(number)
    except EmptyPage:
        raise exceptions.NotFound("No such page.") from None
    meta = {"page": number, "pages": paginator.num_pages, "count": paginator.count}
    return list(page.object_list), meta


def int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    if not raw.isdigit():
        raise exceptions.ValidationError({name: ["A number, please."]})
    return int(raw)


class QueueApi(AdminApi):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
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
        return Response(
            {"results": [comment_admin_data(c) for c in items], **meta},
        )


def comment_or_404(pk: int) -> Comment:
    comment = Comment.objects.select_related("thread", "author").filter(pk=pk).first()
    if comment is None:
        raise exceptions.NotFound("No such comment on this site.")
    return comment


class CommentAdminApi(AdminApi):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        comment = comment_or_404(pk)
        context = queries.comment_context(comment)
        return Response(
            {
                **comment_admin_data(comment),
                "context": {
                    "parent": comment_admin_data(context["parent"]) if context["parent"] else None,
                    "replies": [r.pk for r in context["replies"]],
                    "history": [
                        {
                            "id": c.pk,
                            "status": c.status,
                            "created": c.created,
                            "thread": c.thread.url,
                        }
                        for c in context["history"]
                    ],
                    "author_totals": context["author_totals"],
                },
            }
        )


class CommentActionApi(AdminApi):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in ACTIONS:
            raise exceptions.NotFound(f"Unknown action; use one of: {', '.join(ACTIONS)}.")
        comment = comment_moderate(comment=comment_or_404(pk), action=action, actor=request.user)
        return Response(comment_admin_data(comment_or_404(comment.pk)))


class BulkActionApi(AdminApi):
    class BulkInputSerializer(serializers.Serializer):
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1), min_length=1, max_length=500
        )
        action = serializers.ChoiceField(choices=ACTIONS)

    @extend_schema(request=BulkInputSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data_in = self.BulkInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        done = comments_moderate_bulk(
            ids=data_in.validated_data["ids"],
            action=data_in.validated_data["action"],
            actor=request.user,
        )
        return Response({"changed": done})


class ThreadsAdminApi(AdminApi):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        threads = Thread.objects.order_by("-last_activity", "-id")
        text = request.query_params.get("q", "").strip()
        if text:
            threads = threads.filter(thread_search(text))
        items, meta = page_of(request, threads)
        return Response(
            {
                "results": [
                    {
                        "id": t.pk,
                        "url": t.url,
                        "title": t.title,
                        "closed": t.closed,
                        "comment_count": t.comment_count,
                        "last_activity": t.last_activity,
                    }  # fmt: skip
                    for t in items
                ],
                **meta,
            }
        )


class ThreadCloseApi(AdminApi):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in ("close", "reopen"):
            raise exceptions.NotFound("Use close or reopen.")
        thread = Thread.objects.filter(pk=pk).first()
        if thread is None:
            raise exceptions.NotFound("No such thread on this site.")
        thread_set_closed(thread=thread, closed=action == "close", actor=request.user)
        return Response({"id": thread.pk, "closed": thread.closed})


def ban_data(ban: Ban) -> dict[str, Any]:
    return {
        "id": ban.pk,
        "kind": ban.kind,
        "value": ban.value,
        "shadow": ban.shadow,
        "reason": ban.reason,
        "created": ban.created,
        "expires": ban.expires,
    }


class BansApi(AdminApi):
    class BanInputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Ban.Kind.choices)
        value = serializers.CharField(max_length=254)
        shadow = serializers.BooleanField(default=False)
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
        expires = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        items, meta = page_of(request, Ban.objects.order_by("-created", "-id"))
        return Response({"results": [ban_data(b) for b in items], **meta})

    @extend_schema(request=BanInputSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data_in = self.BanInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        ban = ban_create(actor=request.user, **data_in.validated_data)
        return Response(ban_data(ban), status=201)


class BanApi(AdminApi):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        ban = Ban.objects.filter(pk=pk).first()
        if ban is None:
            raise exceptions.NotFound("No such ban.")
        ban_lift(ban=ban, actor=request.user)
        return Response(status=204)


def audit_data(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "actor": entry.actor.email if entry.actor else None,
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
        "created": entry.created,
    }


class AuditApi(AdminApi):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        items, meta = page_of(request, queries.audit_log())
        return Response({"results": [audit_data(e) for e in items], **meta})


class StatsApi(AdminApi):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response({**queries.stats(), "status_counts": queries.status_counts()})


def settings_data(row: SiteSettings) -> dict[str, Any]:
    data = {name: getattr(row, name) for name in EDITABLE}
    data["akismet_key"] = bool(row.akismet_key)  # never echo a secret back
    return data


class SettingsApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        row = SiteSettings.objects.first() or SiteSettings.objects.create()
        return Response(settings_data(row))

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def patch(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
        row = settings_change(actor=request.user, **request.data)
        return Response(settings_data(row))


def member_data(user: Any) -> dict[str, Any]:
    return {
        "id": user.pk,
        "email": user.email,
        "role": role_of(user),
        "last_login": user.last_login,
    }


class TeamApi(AdminApi):
    permission_classes = [IsSiteOwner]

    class MemberInputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        role = serializers.ChoiceField(choices=["owner", "moderator"])

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        staff = users().filter(is_staff=True, is_active=True).order_by("-is_superuser", "email")
        return Response({"results": [member_data(u) for u in staff]})

    @extend_schema(request=MemberInputSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        data_in = self.MemberInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        user = team_member_add(actor=request.user, **data_in.validated_data)
        return Response(member_data(user), status=201)


class TeamMemberApi(AdminApi):
    permission_classes = [IsSiteOwner]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        user = users().filter(pk=pk, is_staff=True).first()
        if user is None:
            raise exceptions.NotFound("No such team member.")
        team_member_remove(user=user, actor=request.user)
        return Response(status=204)
