from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.permalinks import (
    DEFAULT_PERMALINK_PATTERN,
    PERMALINK_MAX_LENGTH,
    permalink_pattern_validate,
)


class SiteSettings(models.Model):
    """The site's configuration: one row per tenant schema (id 1, enforced by a constraint),
    created at provisioning; read it with `embed.site.site_settings_row`."""

    SINGLETON_ID = 1

    class Moderation(models.TextChoices):
        POST = "post", "Publish at once, hold what looks suspicious"
        PRE = "pre", "Hold every comment for review"
        PRE_FIRST = "pre_first", "Hold first-time commenters for review"

    moderation_mode = models.CharField(
        max_length=16, choices=Moderation.choices, default=Moderation.POST
    )
    allowed_origins = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    edit_window_minutes = models.PositiveIntegerField(
        default=15, validators=[MaxValueValidator(7 * 24 * 60)]
    )
    guests_allowed = models.BooleanField(default=True)
    # Readers may sign in with a one-time link e-mailed to them (embed/magiclinks.py).
    email_sign_in = models.BooleanField(default=False)
    guest_email_required = models.BooleanField(default=False)
    max_depth = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    flag_threshold = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # Rules. Word lists match whole words, ignoring case and accents.
    banned_words = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    suspect_words = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    max_links = models.PositiveSmallIntegerField(
        default=2, help_text="Hold comments with more links than this."
    )
    auto_close_days = models.PositiveIntegerField(
        default=0, help_text="Close threads this many days after creation (0: never)."
    )
    spam_filter = models.BooleanField(default=True)
    akismet_key = models.CharField(max_length=64, blank=True)
    # Sign-in with the site's own accounts (embed/sso.py). The secrets sign HMACs, so they
    # are kept as they are (not hashed); only the owner sees one, once, when it is made.
    sso_enabled = models.BooleanField(default=False)
    sso_secret = models.CharField(max_length=128, blank=True)
    # The secret before the last rotation, still accepted until `sso_previous_until`, so a
    # site's servers can change over without a gap.
    sso_secret_previous = models.CharField(max_length=128, blank=True)
    sso_previous_until = models.DateTimeField(null=True, blank=True)
    login_url = models.URLField(max_length=1000, blank=True)
    logout_url = models.URLField(max_length=1000, blank=True)
    # Gravatar pictures for readers with an e-mail address: a request to gravatar.com from
    # every reader's browser, so off unless the owner turns it on.
    gravatar = models.BooleanField(default=False)
    # Comments keep their author's anonymised IP network (for bans and spam) this long; a
    # daily job clears it after (embed/moderation/retention.py).
    ip_retention_days = models.PositiveIntegerField(
        default=90, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    # Where a comment's link points (e-mails, feeds, webhooks, the dashboard): `{url}` is the
    # thread's page, `{id}` the comment's id (core/permalinks.py).
    permalink_pattern = models.CharField(
        max_length=PERMALINK_MAX_LENGTH,
        default=DEFAULT_PERMALINK_PATTERN,
        validators=[permalink_pattern_validate],
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "site settings"
        constraints = [
            # One row per site schema, always id 1: `embed.site.site_settings_row` reads it.
            models.CheckConstraint(condition=models.Q(id=1), name="embed_sitesettings_singleton"),
        ]

    def __str__(self) -> str:
        return "site settings"


class Thread(models.Model):
    """The comment section of one page, identified by a site key or its normalised URL.

    A key is the page's identity when the site gives one; a URL only when it does not. So
    one URL has at most one key-less thread, and any number of keyed ones (a site that gave
    a page a new key said it is a new page). `embed.selectors.thread_find` resolves a page.
    """

    url = models.CharField(max_length=2000)  # normalised: core.urlnorm.url_normalize
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    title = models.CharField(max_length=300, blank=True)
    closed = models.BooleanField(default=False)
    comment_count = models.PositiveIntegerField(default=0)  # published comments only
    created = models.DateTimeField(auto_now_add=True)
    last_activity = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["url"], condition=Q(key__isnull=True), name="thread_keyless_url_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["-last_activity"], name="thread_activity_idx"),
            models.Index(fields=["url"], name="thread_url_idx"),
        ]

    def __str__(self) -> str:
        return self.url


class Commenter(models.Model):
    """A reader of this site who wrote, voted or flagged: a guest (a commenter token only),
    or a signed-in reader, who has a `ReaderIdentity` and a badge."""

    class Badge(models.TextChoices):
        # Set at sign-in; the widget words them. Guests have none.
        MEMBER = "member"  # signed in with the site's own accounts
        MODERATOR = "moderator"  # ... and a moderator of the site (same e-mail address)
        OWNER = "owner"  # ... and an owner of the site

    name = models.CharField(max_length=64, blank=True)
    email = models.EmailField(blank=True)
    avatar = models.URLField(max_length=1000, blank=True)  # the picture the sign-in gave
    badge = models.CharField(max_length=32, blank=True)
    sso_id = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # The author's identity in an imported file ("disqus:u:jane", "wordpress:e:j@x.example"),
    # so every comment of one author in the file, and in a later export, finds the same reader.
    import_key = models.CharField(max_length=300, null=True, blank=True, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name or f"reader {self.pk}"


class ReaderIdentity(models.Model):
    """How a signed-in reader proves who they are on this site: one row per way in.

    `kind` names the way and `subject` the reader's id there (for SSO, the `id`/`sub` the
    site's server sent). Identities live in the site's schema, so the same person on two
    sites is two unrelated readers. For e-mail links the subject is the lower-cased address.
    """

    class Kind(models.TextChoices):
        EMAIL = "email"  # a one-time link sent to the address (embed/magiclinks.py)
        SSO = "sso"  # the site's own accounts: Disqus-style remote_auth_s3 or an HS256 JWT

    commenter = models.ForeignKey(Commenter, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    email = models.EmailField(blank=True)  # as the sign-in gave it
    url = models.URLField(max_length=1000, blank=True)  # the reader's profile, when given
    created = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject"], name="identity_kind_subject")
        ]
        verbose_name_plural = "reader identities"

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"


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
    # Why the pipeline (or a moderator) put it where it is: "suspect word: casino", ...
    reasons = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    spam_score = models.FloatField(null=True, blank=True)
    # Shown to its author as published and to nobody else (shadow ban).
    shadowed = models.BooleanField(default=False)
    # Where an imported comment came from: the format and the comment's id in it (unique
    # together, so importing a file twice creates nothing), and a digest of the source record
    # (a newer export updates only what changed there, never what moderators changed here).
    import_source = models.CharField(max_length=16, null=True, blank=True)
    import_id = models.CharField(max_length=200, null=True, blank=True)
    import_digest = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["import_source", "import_id"], name="comment_import_unique"
            )
        ]
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
    # The anonymised network of a reader who has not shown themselves (see
    # services.reader_known): such readers get one vote per comment per network.
    network = models.GenericIPAddressField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "commenter"], name="one_vote_per_reader"),
            models.UniqueConstraint(
                fields=["comment", "network"],
                condition=Q(network__isnull=False),
                name="one_guest_vote_per_network",
            ),
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
    # A known reader's report counts 1; anyone else's counts half, one per network, and never
    # holds a comment on its own (services.comment_flag).
    trusted = models.BooleanField(default=True)
    network = models.GenericIPAddressField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "commenter"], name="one_flag_per_reader"),
            models.UniqueConstraint(
                fields=["comment", "network"],
                condition=Q(network__isnull=False),
                name="one_guest_flag_per_network",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} flag on comment {self.comment_id}"


class Ban(models.Model):
    class Kind(models.TextChoices):
        COMMENTER = "commenter"
        EMAIL = "email"
        IP = "ip"  # the anonymised network the comments came from

    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=254)
    shadow = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    expires = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"], name="ban_lookup_idx")]

    def __str__(self) -> str:
        return f"{'shadow ' if self.shadow else ''}ban on {self.kind} {self.value}"


class AuditEntry(models.Model):
    """Every moderation action, with who did it and when."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=32)
    target = models.CharField(max_length=64)  # "comment 12", "thread 3", "ban 4", "settings"
    detail = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["-created"], name="audit_created_idx")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} {self.target}"


class ApiToken(models.Model):
    """A named token for the admin API, made by an owner in the dashboard.

    Only a SHA-256 digest of the token is stored (`embed.moderation.apitokens`); the token
    itself is shown once, when it is made. It acts as the team member who made it, within its
    scope, and stops working when revoked or when that member leaves the team.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        MODERATE = "moderate", "Moderate"
        OWNER = "owner", "Owner"

    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    prefix = models.CharField(max_length=16)  # the token's first characters, to recognise it
    digest = models.CharField(max_length=64, unique=True)  # hex SHA-256 of the whole token
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SpamModelState(models.Model):
    """The site's own spam classifier, trained by its moderators' decisions."""

    data = models.BinaryField()
    version = models.PositiveIntegerField(default=0)
    decisions = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"spam model v{self.version}"


class Import(models.Model):
    """One run of an import: the uploaded file, its progress and its report.

    `active` is true while the import is queued or running and null afterwards; the unique
    constraint on it lets a site run one import at a time, whatever the races.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    active = models.BooleanField(null=True, default=True)
    format = models.CharField(max_length=16, blank=True)  # as asked; detected when blank
    detected = models.CharField(max_length=24, blank=True)  # what the file turned out to be
    filename = models.CharField(max_length=200, blank=True)  # as uploaded, for display only
    path = models.CharField(max_length=500, blank=True)  # the stored upload, under DATA_DIR
    size = models.BigIntegerField(default=0)  # bytes
    base_url = models.CharField(max_length=300, blank=True)
    dry_run = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    threads = models.PositiveIntegerField(default=0)
    threads_created = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    comments_created = models.PositiveIntegerField(default=0)
    comments_updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["active"], name="one_active_import")]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.status})"


class MagicLink(models.Model):
    """A one-time sign-in link e-mailed to a reader (embed/magiclinks.py).

    The row is made when the reader asks; the mail task makes the secret, keeps only its
    SHA-256 digest here, and mails the link, which is good for `MAGIC_LINK_MINUTES` from
    then and for one use. Rows are deleted a day after they expire (the daily retention job).
    """

    email = models.EmailField()  # lower-cased; who the link signs in
    name = models.CharField(max_length=64, blank=True)  # the display name they asked for
    url = models.CharField(max_length=2000)  # the page to come back to (normalised)
    # Hex SHA-256 of the link's secret; null until the mail task has made one.
    digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    sent = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True)
    used = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created"], name="magiclink_created_idx")]

    def __str__(self) -> str:
        return f"sign-in link {self.pk}"


# The models of reply e-mails, alerts and webhooks live in their own module; importing them
# here registers them with this app.
from embed.notify_models import (  # noqa: E402, F401
    ActionLink,
    AlertPreference,
    MailAddress,
    MailSettings,
    ReplyNotice,
    Subscription,
    Webhook,
    WebhookDelivery,
)
