from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q


class SiteSettings(models.Model):
    """The site's configuration: one row per tenant schema, created at provisioning."""

    class Moderation(models.TextChoices):
        POST = "post", "Publish at once, hold what looks suspicious"
        PRE = "pre", "Hold every comment for review"
        PRE_FIRST = "pre_first", "Hold first-time commenters for review"

    moderation_mode = models.CharField(
        max_length=16, choices=Moderation.choices, default=Moderation.POST
    )
    allowed_origins = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    edit_window_minutes = models.PositiveIntegerField(default=15)
    guests_allowed = models.BooleanField(default=True)
    guest_email_required = models.BooleanField(default=False)
    max_depth = models.PositiveSmallIntegerField(default=5)
    flag_threshold = models.PositiveSmallIntegerField(default=3)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "site settings"

    def __str__(self) -> str:
        return "site settings"


class Thread(models.Model):
    """The comment section of one page, identified by its normalised URL or a site key."""

    url = models.CharField(max_length=2000, unique=True)
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    title = models.CharField(max_length=300, blank=True)
    closed = models.BooleanField(default=False)
    comment_count = models.PositiveIntegerField(default=0)  # published comments only
    created = models.DateTimeField(auto_now_add=True)
    last_activity = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["-last_activity"], name="thread_activity_idx")]

    def __str__(self) -> str:
        return self.url


class Commenter(models.Model):
    """A reader who wrote, voted or flagged: a guest now, an SSO identity later."""

    name = models.CharField(max_length=64, blank=True)
    email = models.EmailField(blank=True)
    avatar = models.URLField(blank=True)
    badge = models.CharField(max_length=32, blank=True)
    sso_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name or f"reader {self.pk}"


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        PUBLISHED = "published"
        REJECTED = "rejected"
        SPAM = "spam"
        DELETED = "deleted"

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    # The top-level ancestor: one query fetches every reply of a page of top-level comments.
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="descendants"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(Commenter, on_delete=models.PROTECT, related_name="comments")
    body = models.TextField()
    body_html = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    score = models.IntegerField(default=0)
    pinned = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    edited = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)  # anonymised: /24 or /48

    class Meta:
        indexes = [
            models.Index(
                fields=["thread", "-pinned", "created", "id"],
                condition=Q(parent__isnull=True),
                name="comment_toplevel_idx",
            ),
            models.Index(fields=["root", "created"], name="comment_root_idx"),
            models.Index(fields=["author", "-created"], name="comment_author_idx"),
            models.Index(fields=["status", "-created"], name="comment_status_idx"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.thread_id}"


class Vote(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    commenter = models.ForeignKey(Commenter, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "commenter"], name="one_vote_per_reader"),
            models.CheckConstraint(condition=Q(value__in=[-1, 1]), name="vote_value_valid"),
        ]
        indexes = [models.Index(fields=["commenter", "comment"], name="vote_commenter_idx")]

    def __str__(self) -> str:
        return f"{self.value:+d} on comment {self.comment_id}"


class Flag(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam"
        ABUSE = "abuse"
        OFF_TOPIC = "off_topic"
        OTHER = "other"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    commenter = models.ForeignKey(Commenter, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "commenter"], name="one_flag_per_reader")
        ]

    def __str__(self) -> str:
        return f"{self.reason} flag on comment {self.comment_id}"
