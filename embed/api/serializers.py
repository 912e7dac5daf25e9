"""The widget API's responses, one output serializer each. The OpenAPI schema at /api/schema/
is generated from these classes, so what they declare is what clients are promised.

Writes shape their answers with these serializers. The thread page and the reader's own
state are the read path: `embed.selectors` builds them as plain dicts because the thread page
is shaped on every cache miss and a serializer costs ~13x the dict builder there
(docs/architecture.md, "Contracts"). tests/test_contracts.py proves that the builders and
these serializers give the same JSON for the same rows, and every response the test suite
sees is validated against the schema.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from embed import selectors, services
from embed.avatars import author_data
from embed.models import Comment, Commenter, Thread, Vote


class BlankAsNull(serializers.CharField):
    """Text that the API gives as null when empty (the model stores "")."""

    def to_representation(self, value: object) -> str | None:  # type: ignore[override]
        return str(value) if value else None


class AuthorSerializer(serializers.Serializer):
    """Who wrote a comment, as every reader sees it (a placeholder's is empty); shaped by
    `embed.avatars.author_data`, which the read path uses too."""

    # The instance: a Commenter.

    name = serializers.CharField()
    avatar = serializers.CharField(
        allow_null=True,
        help_text="The author's picture: an http(s) URL, or a path on this site's host "
        "(/avatars/<seed>.svg, a generated identicon); null for a guest without one",
    )
    badge = serializers.ChoiceField(
        choices=Commenter.Badge.choices,
        allow_null=True,
        help_text="member: signed in with the site's accounts; moderator, owner: and on the "
        "site's team; null for guests",
    )

    def to_representation(self, instance: Commenter) -> dict[str, Any]:
        return author_data(instance)


PLACEHOLDER_AUTHOR: dict[str, Any] = {"name": "", "avatar": None, "badge": None}


class CommentSerializer(serializers.Serializer):
    """A comment as every reader sees it, with its visible replies, oldest first.

    A deleted comment appears only as the placeholder that holds its replies: `deleted` is
    true and its author, html and score are blanked.
    """

    # `replies` are the comments the read path attached as `shown_replies` (none if unset).

    id = serializers.IntegerField(source="pk")
    # The field is named by the public contract; it shadows Serializer.parent for mypy.
    parent = serializers.IntegerField(source="parent_id", allow_null=True)  # type: ignore[assignment]
    author = AuthorSerializer()
    html = serializers.CharField(source="body_html", help_text="Sanitized HTML of the body")
    created = serializers.DateTimeField()
    edited = serializers.DateTimeField(allow_null=True)
    score = serializers.IntegerField()
    pinned = serializers.BooleanField()
    deleted = serializers.SerializerMethodField()
    replies = serializers.SerializerMethodField()

    def get_deleted(self, comment: Comment) -> bool:
        return comment.status == Comment.Status.DELETED

    def get_replies(self, comment: Comment) -> list[dict[str, Any]]:
        shown = getattr(comment, "shown_replies", [])
        return CommentSerializer(shown, many=True, context=self.context).data  # type: ignore[return-value]

    def to_representation(self, instance: Comment) -> dict[str, Any]:
        data = super().to_representation(instance)
        if data["deleted"]:
            data.update(author=PLACEHOLDER_AUTHOR, html="", score=0)
        return data


# The field refers to its own class, which exists only once the class body has run.
extend_schema_field(CommentSerializer(many=True))(CommentSerializer.get_replies)


class OwnCommentSerializer(CommentSerializer):
    """One of the reader's own comments, with where moderation put it. A shadow-banned
    author is told their comment is published, like any other."""

    status = serializers.SerializerMethodField()

    def get_status(self, comment: Comment) -> str:
        return Comment.Status.PUBLISHED if comment.shadowed else comment.status

    def get_replies(self, comment: Comment) -> list[dict[str, Any]]:
        return []


extend_schema_field(serializers.ChoiceField(choices=Comment.Status.choices))(
    OwnCommentSerializer.get_status
)
extend_schema_field(CommentSerializer(many=True))(OwnCommentSerializer.get_replies)


class CommentWrittenSerializer(OwnCommentSerializer):
    """The answer to a post or an edit: the comment, where moderation put it, until when its
    author may change it, and after a post the commenter token that lets the same reader
    edit, delete and vote."""

    # Context: `site` (a SiteConfig) and, after a post, `token`.

    editable_until = serializers.SerializerMethodField()
    # Not a comment attribute: to_representation adds it from the context.
    commenter_token = serializers.CharField(required=False)

    def get_editable_until(self, comment: Comment) -> Any:
        return serializers.DateTimeField().to_representation(
            services.editable_until(comment, self.context["site"])
        )

    def to_representation(self, instance: Comment) -> dict[str, Any]:
        data = super().to_representation(instance)
        if self.context.get("token"):
            data["commenter_token"] = self.context["token"]
        return data


extend_schema_field(serializers.DateTimeField())(CommentWrittenSerializer.get_editable_until)


class ThreadSerializer(serializers.Serializer):
    """The thread of a page. `closed` includes the site's auto-close rule."""

    # Context: `site` (a SiteConfig).

    id = serializers.IntegerField(source="pk")
    url = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    comment_count = serializers.IntegerField(min_value=0)
    closed = serializers.SerializerMethodField()

    def get_closed(self, thread: Thread) -> bool:
        return selectors.thread_closed(thread, self.context["site"])


class SiteSsoSerializer(serializers.Serializer):
    """How readers sign in, for the widget's buttons: the site's own sign-in and sign-out
    pages (null unless the site signs readers in with its accounts), and `email`: whether a
    link by e-mail may sign them in (`POST /api/v1/auth/magic`)."""

    login_url = serializers.URLField(allow_null=True)
    logout_url = serializers.URLField(allow_null=True)
    email = serializers.BooleanField()


class SiteProviderSerializer(serializers.Serializer):
    """A sign-in provider the owner set up: its button says "Sign in with <name>" and opens
    `/auth/oidc/<id>/start` in a popup (docs/api.md, "Sign-in with providers")."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class SitePublicSerializer(serializers.Serializer):
    """The site's settings that the widget may know. `guests_allowed` false means only
    signed-in readers may comment; `sso` is null unless readers can sign in (with the
    site's accounts or by e-mail); `oidc` lists the site's sign-in providers (null when it
    has none)."""

    # The instance: SiteConfig.public().

    guests_allowed = serializers.BooleanField()
    guest_email_required = serializers.BooleanField()
    edit_window_minutes = serializers.IntegerField(min_value=0)
    max_depth = serializers.IntegerField(min_value=1)
    sso = SiteSsoSerializer(allow_null=True)
    oidc = SiteProviderSerializer(many=True, allow_null=True)


class ThreadPageSerializer(serializers.Serializer):
    """One page of a thread: {thread (or null: nobody commented yet), site, comments, next}.
    `next` is the cursor of the following page, null on the last."""

    thread = ThreadSerializer(allow_null=True)
    site = SitePublicSerializer()
    comments = CommentSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class ReaderSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(allow_blank=True)


class ReaderStateSerializer(serializers.Serializer):
    """What only the reader holding the token sees of a thread: their comments (`own`, with
    the Markdown of each in `sources`), their votes, their comments held for moderation and
    those only they can see."""

    # The instance: {"commenter", "own": their comments but deleted ones, "votes": Vote rows}.

    commenter = ReaderSerializer()
    own = serializers.SerializerMethodField()
    sources = serializers.SerializerMethodField()
    votes = serializers.SerializerMethodField()
    pending = serializers.SerializerMethodField()
    shadowed = serializers.SerializerMethodField()

    def get_own(self, state: dict[str, Any]) -> list[int]:
        return [comment.pk for comment in state["own"]]

    @extend_schema_field(serializers.DictField(child=serializers.CharField(allow_blank=True)))
    def get_sources(self, state: dict[str, Any]) -> dict[str, str]:
        """The Markdown each own comment was written in, by id: an edit starts from it."""
        return {str(comment.pk): comment.body for comment in state["own"]}

    @extend_schema_field(serializers.DictField(child=serializers.ChoiceField(choices=[-1, 1])))
    def get_votes(self, state: dict[str, Any]) -> dict[str, int]:
        votes: list[Vote] = state["votes"]
        return {str(vote.comment_id): vote.value for vote in votes}

    @extend_schema_field(OwnCommentSerializer(many=True))
    def get_pending(self, state: dict[str, Any]) -> list[dict[str, Any]]:
        held = [c for c in state["own"] if c.status == Comment.Status.PENDING]
        return OwnCommentSerializer(held, many=True).data  # type: ignore[return-value]

    @extend_schema_field(OwnCommentSerializer(many=True))
    def get_shadowed(self, state: dict[str, Any]) -> list[dict[str, Any]]:
        hidden = [c for c in state["own"] if c.shadowed and c.status == Comment.Status.SPAM]
        return OwnCommentSerializer(hidden, many=True).data  # type: ignore[return-value]


class SignedInReaderSerializer(serializers.Serializer):
    """A signed-in reader as the thread shows them."""

    id = serializers.IntegerField(source="pk")
    author = AuthorSerializer(source="*")


class SignedInSerializer(serializers.Serializer):
    """The answer to a sign-in: the reader's commenter token on this site, and who they are."""

    commenter_token = serializers.CharField()
    commenter = SignedInReaderSerializer()


class MagicLinkAskedSerializer(serializers.Serializer):
    """The answer to asking for a sign-in link, the same whatever the address: a link is
    on its way if the address can receive it, valid for `minutes` once sent."""

    minutes = serializers.IntegerField(min_value=1)


class VoteResultSerializer(serializers.Serializer):
    """The comment's new score and the reader's vote; a new reader's token on their first."""

    score = serializers.IntegerField()
    vote = serializers.ChoiceField(choices=[-1, 0, 1])
    commenter_token = serializers.CharField(required=False)


class FlagResultSerializer(serializers.Serializer):
    """A report was recorded; a new reader's token on their first."""

    flagged = serializers.BooleanField()
    commenter_token = serializers.CharField(required=False)


class CountsSerializer(serializers.DictField):
    """Published-comment counts keyed by each URL exactly as sent."""

    child = serializers.IntegerField(min_value=0)


class ReaderDataReaderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    avatar = serializers.CharField(allow_blank=True, help_text="The picture a sign-in gave")
    badge = serializers.CharField(allow_blank=True)
    created = serializers.DateTimeField()


class ReaderDataTokenSerializer(serializers.Serializer):
    issued = serializers.DateTimeField()
    expires = serializers.DateTimeField()


class ReaderDataIdentitySerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="How the reader signs in: sso, and further kinds")
    subject = serializers.CharField(help_text="The reader's id in that way of signing in")
    email = serializers.CharField(allow_blank=True)
    url = serializers.CharField(allow_blank=True)
    created = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()


class ReaderDataCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="The page of the comment's thread")
    title = serializers.CharField(allow_blank=True)
    # The field is named as in the thread; it shadows Serializer.parent for mypy.
    parent = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]
    status = serializers.ChoiceField(choices=Comment.Status.choices)
    body = serializers.CharField(allow_blank=True, help_text="As written (Markdown)")
    html = serializers.CharField(allow_blank=True, help_text="As shown (sanitised HTML)")
    created = serializers.DateTimeField()
    edited = serializers.DateTimeField(allow_null=True)
    score = serializers.IntegerField()
    ip = serializers.CharField(
        allow_null=True, help_text="The anonymised network (/24, /48), until the site's retention"
    )


class ReaderDataVoteSerializer(serializers.Serializer):
    comment = serializers.IntegerField()
    url = serializers.CharField()
    value = serializers.IntegerField()
    network = serializers.CharField(allow_null=True)
    created = serializers.DateTimeField()


class ReaderDataFlagSerializer(serializers.Serializer):
    comment = serializers.IntegerField()
    url = serializers.CharField()
    reason = serializers.CharField()
    created = serializers.DateTimeField()


class ReaderDataSubscriptionSerializer(serializers.Serializer):
    email = serializers.CharField()
    url = serializers.CharField()
    comment = serializers.IntegerField(
        allow_null=True, help_text="Replies to this comment; null: the whole thread"
    )
    active = serializers.BooleanField()
    created = serializers.DateTimeField()


class ReaderDataSignInLinkSerializer(serializers.Serializer):
    email = serializers.CharField()
    url = serializers.CharField(help_text="The page the link brings the reader back to")
    created = serializers.DateTimeField()
    sent = serializers.DateTimeField(allow_null=True)
    expires = serializers.DateTimeField(allow_null=True)
    used = serializers.DateTimeField(allow_null=True)


class ReaderDataAddressSerializer(serializers.Serializer):
    email = serializers.CharField()
    created = serializers.DateTimeField()
    confirmed = serializers.DateTimeField(allow_null=True)
    suppressed = serializers.DateTimeField(allow_null=True)
    suppressed_reason = serializers.CharField(allow_blank=True)


class ReaderDataSerializer(serializers.Serializer):
    """Everything the site holds about one reader (`embed.privacy.reader_export`)."""

    exported = serializers.DateTimeField()
    reader = ReaderDataReaderSerializer()
    token = ReaderDataTokenSerializer(
        allow_null=True, help_text="The commenter token sent (its times, never the token)"
    )
    identities = ReaderDataIdentitySerializer(many=True)
    comments = ReaderDataCommentSerializer(many=True)
    votes = ReaderDataVoteSerializer(many=True)
    flags = ReaderDataFlagSerializer(many=True)
    subscriptions = ReaderDataSubscriptionSerializer(many=True)
    sign_in_links = ReaderDataSignInLinkSerializer(
        many=True, help_text="E-mailed sign-in links (signed-in readers; never the link)"
    )
    mail_addresses = ReaderDataAddressSerializer(many=True)


class ErasureSerializer(serializers.Serializer):
    """What an erasure removed (`embed.privacy.Erasure`), in rows."""

    comments_removed = serializers.IntegerField()
    comments_kept_as_placeholders = serializers.IntegerField(
        help_text="Comments that others' replies hang from: now empty 'deleted' placeholders"
    )
    votes = serializers.IntegerField()
    flags = serializers.IntegerField()
    subscriptions = serializers.IntegerField()
    identities = serializers.IntegerField()
