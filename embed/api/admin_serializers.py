"""The admin API's responses, one output serializer each; the OpenAPI schema is generated from
them (see embed.api.serializers for the widget's)."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.staff import StaffUser
from embed.api.serializers import BlankAsNull
from embed.importers.jobs import progress_get
from embed.models import ApiToken, Ban, Comment, Import, SiteSettings
from embed.moderation.configure import EDITABLE
from embed.moderation.team import role_of

STATUS = serializers.ChoiceField(choices=Comment.Status.choices)


class PageSerializer(serializers.Serializer):
    """A page of a list, 50 to a page."""

    # The instance: {"results": [...], "page", "pages", "count"} (admin.page_of).

    page = serializers.IntegerField(min_value=1)
    pages = serializers.IntegerField(min_value=1)
    count = serializers.IntegerField(min_value=0, help_text="Items on all pages")


class StaffAuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)


class StaffThreadRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    url = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    closed = serializers.BooleanField()


class AdminCommentSerializer(serializers.Serializer):
    """A comment as moderators see it: source and HTML, why it is where it is, who and where."""

    id = serializers.IntegerField(source="pk")
    status = serializers.ChoiceField(choices=Comment.Status.choices)
    body = serializers.CharField(allow_blank=True, help_text="The Markdown as written")
    html = serializers.CharField(source="body_html", allow_blank=True)
    created = serializers.DateTimeField()
    edited = serializers.DateTimeField(allow_null=True)
    score = serializers.IntegerField()
    pinned = serializers.BooleanField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)  # type: ignore[assignment]
    flags = serializers.IntegerField(
        source="flag_count", allow_null=True, help_text="Reports (in the queue only)"
    )
    reasons = serializers.ListField(child=serializers.CharField())
    spam_score = serializers.FloatField(allow_null=True)
    shadowed = serializers.BooleanField()
    ip = serializers.CharField(allow_null=True, help_text="Anonymised: the /24 or /48")
    author = StaffAuthorSerializer()
    thread = StaffThreadRefSerializer()


class CommentHistorySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    status = serializers.ChoiceField(choices=Comment.Status.choices)
    created = serializers.DateTimeField()
    thread = serializers.CharField(source="thread.url")


class CommentSurroundingsSerializer(serializers.Serializer):
    """The comment in its place: its parent, the ids of its replies, the author's 20 latest
    other comments and their totals by status."""

    parent = AdminCommentSerializer(allow_null=True)
    replies = serializers.SerializerMethodField()
    history = CommentHistorySerializer(many=True)
    author_totals = serializers.DictField(child=serializers.IntegerField(min_value=0))

    def get_replies(self, surroundings: dict[str, Any]) -> list[int]:
        return [reply.pk for reply in surroundings["replies"]]


class AdminCommentInContextSerializer(AdminCommentSerializer):
    """One comment with its surroundings, under `context`."""

    # The serializer's context carries `surroundings`, from queries.comment_context.

    def get_fields(self) -> dict[str, serializers.Field]:
        # Added here: as a class attribute the field would shadow Serializer.context.
        fields = super().get_fields()
        fields["context"] = serializers.SerializerMethodField(method_name="surroundings_of")
        return fields

    @extend_schema_field(CommentSurroundingsSerializer)
    def surroundings_of(self, comment: Comment) -> dict[str, Any]:
        return CommentSurroundingsSerializer(self.context["surroundings"]).data


class QueuePageSerializer(PageSerializer):
    results = AdminCommentSerializer(many=True)


class BulkResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField(min_value=0, help_text="Comments the action changed")


class AdminThreadSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    url = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    closed = serializers.BooleanField()
    comment_count = serializers.IntegerField(min_value=0)
    last_activity = serializers.DateTimeField()


class ThreadsPageSerializer(PageSerializer):
    results = AdminThreadSerializer(many=True)


class ThreadClosedSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    closed = serializers.BooleanField()


class BanSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=Ban.Kind.choices)
    value = serializers.CharField()
    shadow = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    created = serializers.DateTimeField()
    expires = serializers.DateTimeField(allow_null=True)


class BansPageSerializer(PageSerializer):
    results = BanSerializer(many=True)


class AuditEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    actor = serializers.CharField(
        source="actor.email", allow_null=True, help_text="E-mail of who did it"
    )
    action = serializers.CharField()
    target = serializers.CharField(help_text='"comment 12", "thread 3", "ban 4", "settings"')
    detail = serializers.DictField(help_text="What changed; depends on the action")
    created = serializers.DateTimeField()


class AuditPageSerializer(PageSerializer):
    results = AuditEntrySerializer(many=True)


class DayStatsSerializer(serializers.Serializer):
    day = serializers.DateField()
    total = serializers.IntegerField(min_value=0)
    spam = serializers.IntegerField(min_value=0)


class BusyThreadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    comments = serializers.IntegerField(min_value=0, help_text="Comments in the period")
    closed = serializers.BooleanField()


class StatsSerializer(serializers.Serializer):
    """The last `days` days: comments per day (and how many were spam), the spam rate, the
    busiest threads; and all comments by status."""

    days = serializers.IntegerField(min_value=1)
    per_day = DayStatsSerializer(many=True)
    total = serializers.IntegerField(min_value=0)
    spam = serializers.IntegerField(min_value=0)
    spam_rate = serializers.FloatField(min_value=0, max_value=1)
    busiest = BusyThreadSerializer(many=True)
    status_counts = serializers.DictField(child=serializers.IntegerField(min_value=0))


class SettingsSerializer(serializers.ModelSerializer):
    """The site's editable settings. The Akismet key and the SSO secret are secrets: only
    whether they are set (the SSO secret is shown once, by `POST admin/sso/secret`)."""

    akismet_key = serializers.SerializerMethodField()
    # Blank when unset: the model's URLField would declare "a URI or blank" twice over.
    login_url = serializers.CharField(allow_blank=True, max_length=1000)
    logout_url = serializers.CharField(allow_blank=True, max_length=1000)
    sso_secret_set = serializers.SerializerMethodField()
    sso_previous_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="Until when the secret before the last rotation is still accepted",
    )

    class Meta:
        model = SiteSettings
        fields = (*EDITABLE, "sso_secret_set", "sso_previous_until")

    def get_akismet_key(self, row: SiteSettings) -> bool:
        return bool(row.akismet_key)

    def get_sso_secret_set(self, row: SiteSettings) -> bool:
        return bool(row.sso_secret)


class SsoSecretSerializer(serializers.Serializer):
    """A new SSO secret, shown this once; the one before stays valid until
    `previous_valid_until` (null for a site's first secret)."""

    secret = serializers.CharField()
    previous_valid_until = serializers.DateTimeField(allow_null=True)


class TeamMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    email = serializers.CharField()
    role = serializers.SerializerMethodField()
    last_login = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=["owner", "moderator"]))
    def get_role(self, user: StaffUser) -> str | None:
        return role_of(user)


class TeamSerializer(serializers.Serializer):
    results = TeamMemberSerializer(many=True)


class ImportProgressSerializer(serializers.Serializer):
    phase = serializers.CharField(help_text="reading, then writing")
    done = serializers.IntegerField(min_value=0)
    total = serializers.IntegerField(min_value=0)
    comments = serializers.IntegerField(min_value=0, help_text="Comments read so far")
    percent = serializers.FloatField(min_value=0, max_value=100)


class ImportCountsSerializer(serializers.Serializer):
    threads = serializers.IntegerField(min_value=0)
    threads_created = serializers.IntegerField(min_value=0)
    comments = serializers.IntegerField(min_value=0)
    comments_created = serializers.IntegerField(min_value=0)
    comments_updated = serializers.IntegerField(min_value=0)
    skipped = serializers.IntegerField(min_value=0)


class ImportSerializer(serializers.Serializer):
    """One import: its file, where it is (`progress` while it runs), what it did, its report."""

    id = serializers.IntegerField(source="pk")
    status = serializers.ChoiceField(choices=Import.Status.choices)
    format = BlankAsNull(allow_null=True, help_text="As asked; null to detect it")
    detected = BlankAsNull(allow_null=True, help_text="What the file turned out to be")
    filename = serializers.CharField(allow_blank=True)
    size = serializers.IntegerField(min_value=0, help_text="Bytes")
    dry_run = serializers.BooleanField()
    base_url = BlankAsNull(allow_null=True)
    created = serializers.DateTimeField()
    started = serializers.DateTimeField(allow_null=True)
    finished = serializers.DateTimeField(allow_null=True)
    progress = serializers.SerializerMethodField()
    counts = ImportCountsSerializer(source="*")
    report = serializers.DictField()
    error = BlankAsNull(allow_null=True)

    @extend_schema_field(ImportProgressSerializer(allow_null=True))
    def get_progress(self, job: Import) -> dict[str, Any] | None:
        return progress_get(job)


class ImportsPageSerializer(PageSerializer):
    results = ImportSerializer(many=True)


class ApiTokenSerializer(serializers.Serializer):
    """An admin API token as listed: never the token itself, only its first characters."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices)
    prefix = serializers.CharField(help_text="The token's first characters, to recognise it")
    created_by = serializers.CharField(source="created_by.email")
    created = serializers.DateTimeField()
    last_used = serializers.DateTimeField(allow_null=True)
    revoked = serializers.DateTimeField(allow_null=True)


class ApiTokensSerializer(serializers.Serializer):
    results = ApiTokenSerializer(many=True)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(help_text="The token: shown this once, never stored")


class AdminReaderSerializer(serializers.Serializer):
    """A reader found by the readers search (`embed.privacy.readers_find`)."""

    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    email = serializers.CharField(allow_blank=True)
    badge = serializers.CharField(allow_blank=True)
    created = serializers.DateTimeField()
    comment_count = serializers.IntegerField()


class ReadersPageSerializer(PageSerializer):
    results = AdminReaderSerializer(many=True)
