"""Writing: post, edit, delete, vote, flag. Each view validates, calls one service, and
answers with the comment's public shape."""

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request

from core.clientip import client_ip
from embed import selectors, services
from embed.api.common import (
    Text,
    WidgetApi,
    commenter_from_request,
    json_response,
    page_url,
    rate_limit,
    reader_required,
    thread_key,
)
from embed.api.serializers import (
    CommentWrittenSerializer,
    FlagResultSerializer,
    VoteResultSerializer,
)
from embed.models import Comment, Commenter, Flag
from embed.site import site_config
from embed.tokens import commenter_token_issue


class CommentCreateApi(WidgetApi):
    error_statuses = (401, 403, 429)

    class CommentInputSerializer(serializers.Serializer):
        url = Text(max_length=2000)
        key = Text(max_length=200, required=False, allow_blank=True)
        title = Text(max_length=300, required=False, allow_blank=True)
        # The field is named by the public contract; it shadows Serializer.parent for mypy.
        parent = serializers.IntegerField(required=False, allow_null=True, min_value=1)  # type: ignore[assignment]
        body = Text(max_length=20_000, allow_blank=True, trim_whitespace=False)
        author_name = Text(max_length=200, required=False, allow_blank=True)
        author_email = Text(max_length=254, required=False, allow_blank=True)
        notify = serializers.BooleanField(required=False, default=False)
        hp = serializers.CharField(required=False, allow_blank=True, max_length=500)
        t = serializers.IntegerField(required=False, allow_null=True)

    @extend_schema(
        request=CommentInputSerializer,
        responses={
            201: OpenApiResponse(CommentWrittenSerializer, description="Published."),
            202: OpenApiResponse(CommentWrittenSerializer, description="Held for moderation."),
        },
    )
    def post(self, request: Request) -> HttpResponse:
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
        data_in = self.CommentInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        data = data_in.validated_data
        commenter = commenter_from_request(request, required=False)
        rate_limit(request, "post", commenter)
        site = site_config(fresh=True)
        comment = services.comment_post(
            url=page_url(data["url"]),
            key=thread_key(data.get("key")),
            title=data.get("title", ""),
            parent_id=data.get("parent"),
            body=data["body"],
            commenter=commenter,
            author_name=data.get("author_name"),
            author_email=data.get("author_email"),
            site=site,
            ip=client_ip(request),
            honeypot=data.get("hp", ""),
            elapsed_ms=data.get("t"),
        )
        token = commenter_token_issue(comment.author_id)
        published = comment.status == Comment.Status.PUBLISHED or comment.shadowed
        status = 201 if published else 202
        shown = CommentWrittenSerializer(comment, context={"site": site, "token": token})
        return json_response(shown.data, status=status)


class CommentDetailApi(WidgetApi):
    error_statuses = (401, 403)

    class CommentEditSerializer(serializers.Serializer):
        body = Text(max_length=20_000, allow_blank=True, trim_whitespace=False)

    @extend_schema(request=CommentEditSerializer, responses={200: CommentWrittenSerializer})
    def patch(self, request: Request, pk: int) -> HttpResponse:
        commenter = reader_required(request)
        data_in = self.CommentEditSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        site = site_config(fresh=True)
        comment = services.comment_edit(
            comment=selectors.comment_or_404(pk),
            commenter=commenter,
            body=data_in.validated_data["body"],
            site=site,
        )
        return json_response(CommentWrittenSerializer(comment, context={"site": site}).data)

    @extend_schema(responses={204: OpenApiResponse(description="Deleted.")})
    def delete(self, request: Request, pk: int) -> HttpResponse:
        commenter = reader_required(request)
        services.comment_delete(
            comment=selectors.comment_or_404(pk), commenter=commenter, site=site_config(fresh=True)
        )
        return HttpResponse(status=204)


class CommentVoteApi(WidgetApi):
    error_statuses = (401, 403, 429)

    class VoteInputSerializer(serializers.Serializer):
        value = serializers.ChoiceField(choices=[-1, 0, 1])

    @extend_schema(request=VoteInputSerializer, responses={200: VoteResultSerializer})
    def post(self, request: Request, pk: int) -> HttpResponse:
        data_in = self.VoteInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        comment = selectors.comment_or_404(pk)
        commenter = commenter_from_request(request, required=False)
        rate_limit(request, "vote", commenter)
        result = services.comment_vote(
            comment=comment,
            commenter=commenter,
            value=int(data_in.validated_data["value"]),
            site=site_config(fresh=True),
            ip=client_ip(request),
        )
        body = {"score": result.score, "vote": result.vote}
        body = with_new_token(body, before=commenter, after=result.commenter)
        return json_response(VoteResultSerializer(body).data)


class CommentFlagApi(WidgetApi):
    error_statuses = (401, 403, 429)

    class FlagInputSerializer(serializers.Serializer):
        reason = serializers.ChoiceField(choices=Flag.Reason.choices)

    @extend_schema(request=FlagInputSerializer, responses={200: FlagResultSerializer})
    def post(self, request: Request, pk: int) -> HttpResponse:
        data_in = self.FlagInputSerializer(data=request.data)
        data_in.is_valid(raise_exception=True)
        comment = selectors.comment_or_404(pk)
        commenter = commenter_from_request(request, required=False)
        rate_limit(request, "flag", commenter)
        result = services.comment_flag(
            comment=comment,
            commenter=commenter,
            reason=data_in.validated_data["reason"],
            site=site_config(fresh=True),
            ip=client_ip(request),
        )
        body = with_new_token({"flagged": result.flagged}, before=commenter, after=result.commenter)
        return json_response(FlagResultSerializer(body).data)


def with_new_token(
    body: dict[str, Any], *, before: Commenter | None, after: Commenter | None
) -> dict[str, Any]:
    """Hand a reader who came without a token the token of the commenter made for them."""
    if before is None and after is not None:
        body["commenter_token"] = commenter_token_issue(after.pk)
    return body
