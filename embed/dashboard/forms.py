"""The dashboard's forms. They check the shape of the input; the rules themselves live in the
moderation services, whose ValidationErrors are mapped back onto these forms' fields."""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.logins import LoginThrottleMixin
from core.permalinks import DEFAULT_PERMALINK_PATTERN, PERMALINK_MAX_LENGTH
from core.staff import StaffUser
from core.urlnorm import origin_display
from embed.models import Ban, Comment, SiteSettings
from embed.moderation.actions import ACTIONS
from embed.moderation.team import ROLES, role_of

STATUS_TABS = [
    (Comment.Status.PENDING, _("Held")),
    (Comment.Status.PUBLISHED, _("Published")),
    (Comment.Status.SPAM, _("Spam")),
    (Comment.Status.REJECTED, _("Rejected")),
    (Comment.Status.DELETED, _("Deleted")),
    ("all", _("All")),
]
# What the pipeline writes into Comment.reasons, offered as suggestions in the filter.
COMMON_REASONS = [
    "suspect word", "banned word", "links", "pre-moderation", "first-time commenter",
    "spam score", "shadow ban", "honeypot filled", "Akismet", "flags",
]  # fmt: skip
EXPIRY_CHOICES = [
    ("", "Never expires"),
    ("1", "1 day"),
    ("7", "1 week"),
    ("30", "30 days"),
    ("365", "1 year"),
]


def apply_errors(
    form: forms.Form, error: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Put a service's ValidationError next to the matching fields (or above the form)."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            name = (aliases or {}).get(name, name)
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class LoginForm(LoginThrottleMixin, AuthenticationForm):
    """Only members of this site's team may log in here; failures are throttled."""

    def confirm_login_allowed(self, user: StaffUser) -> None:
        super().confirm_login_allowed(user)
        if role_of(user) is None:
            raise ValidationError("This account is not on the site's team.", code="not_staff")


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_TABS, required=False)
    thread = forms.IntegerField(min_value=1, required=False)
    commenter = forms.IntegerField(min_value=1, required=False)
    q = forms.CharField(max_length=200, required=False, label="Search")
    reason = forms.CharField(max_length=200, required=False)

    def filters(self) -> dict[str, Any]:
        """The arguments for `queries.queue`; bad input falls back to the held queue."""
        data = self.cleaned_data if self.is_valid() else {}
        status = data.get("status") or Comment.Status.PENDING
        return {
            "status": None if status == "all" else status,
            "thread_id": data.get("thread"),
            "commenter_id": data.get("commenter"),
            "text": (data.get("q") or "").strip(),
            "reason": (data.get("reason") or "").strip(),
        }


class IdListField(forms.Field):
    """The repeated `ids` of the checked rows."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "Select at least one comment.",
        "invalid": "Comment ids are numbers.",
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            ids = [int(item) for item in value]
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(item < 1 for item in ids) or len(ids) > 500:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return ids


class BulkActionForm(forms.Form):
    ids = IdListField()
    action = forms.ChoiceField(choices=[(action, action) for action in ACTIONS])


class BanForm(forms.Form):
    kind = forms.ChoiceField(choices=Ban.Kind.choices)
    value = forms.CharField(max_length=254, label="Commenter id, email or IP address")
    shadow = forms.BooleanField(
        required=False,
        label="Shadow ban",
        help_text="Their comments look published to them and are hidden from everyone else.",
    )
    expires_in = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, label="Expires")
    reason = forms.CharField(max_length=200, required=False)

    @classmethod
    def from_post(cls, post: Any) -> "BanForm":
        """The comment page posts `target=<kind>:<value>` (one radio per kind)."""
        data = post.copy()
        if data.get("target"):
            data["kind"], _, data["value"] = data["target"].partition(":")
        return cls(data)

    def service_args(self) -> dict[str, Any]:
        data = self.cleaned_data
        days = data.get("expires_in")
        return {
            "kind": data["kind"],
            "value": data["value"],
            "shadow": data["shadow"],
            "reason": data.get("reason", ""),
            "expires": timezone.now() + timedelta(days=int(days)) if days else None,
        }


class ThreadFilterForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, label="Search")


def _model_help(name: str) -> str:
    return str(getattr(SiteSettings._meta.get_field(name), "help_text", ""))


class SettingsForm(forms.Form):
    """Every field of `configure.EDITABLE`; the Akismet key is write-only."""

    moderation_mode = forms.ChoiceField(
        choices=SiteSettings.Moderation.choices,
        widget=forms.RadioSelect,
        label="When to hold comments for review",
        help_text="Suspicious comments (rules, spam filter, reader reports) are always held.",
    )
    allowed_origins = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        required=False,
        help_text="The sites that may embed your comments, one per line, e.g. "
        "https://blog.example.com",
    )
    guests_allowed = forms.BooleanField(
        required=False,
        label="Guests may comment",
        help_text="Readers without an account. Off: signed-in readers only.",
    )
    guest_email_required = forms.BooleanField(
        required=False,
        label="Guests must give an email address",
        help_text="It is never shown to other readers.",
    )
    banned_words = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        required=False,
        help_text="One word or phrase per line. Comments containing one are rejected.",
    )
    suspect_words = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        required=False,
        help_text="One word or phrase per line. Comments containing one are held for review. "
        "Words match whole, ignoring case and accents.",
    )
    max_links = forms.IntegerField(
        min_value=0,
        max_value=100,
        label="Most links in a comment",
        help_text=_model_help("max_links"),
    )
    flag_threshold = forms.IntegerField(
        min_value=1,
        max_value=100,
        label="Reports before a comment is held",
        help_text="Readers' flags that take a published comment back into the queue.",
    )
    spam_filter = forms.BooleanField(
        required=False,
        label="Spam filter",
        help_text="Score every comment; it learns from your approve and spam decisions.",
    )
    akismet_key = forms.CharField(
        max_length=64,
        required=False,
        label="Akismet API key",
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="Optional second opinion on spam. Leave blank to keep the current key.",
    )
    akismet_clear = forms.BooleanField(required=False, label="Remove the Akismet key")
    edit_window_minutes = forms.IntegerField(
        min_value=0,
        max_value=7 * 24 * 60,
        label="Edit window (minutes)",
        help_text="How long readers may edit or delete their own comments.",
    )
    max_depth = forms.IntegerField(
        min_value=1,
        max_value=10,
        label="Reply depth",
        help_text="Deeper replies are attached to the deepest allowed level.",
    )
    auto_close_days = forms.IntegerField(
        min_value=0, max_value=36500, label="Close threads after (days)",
        help_text=_model_help("auto_close_days"),
    )  # fmt: skip

    sso_enabled = forms.BooleanField(
        required=False,
        label="Sign-in with your site's accounts (SSO)",
        help_text="Your pages pass a signed payload (data-sso or Disqus's remote_auth_s3); "
        "see the API documentation.",
    )
    login_url = forms.URLField(
        required=False,
        max_length=1000,
        assume_scheme="https",
        label="Your sign-in page",
        help_text="The widget's “Sign in” button opens it.",
    )
    logout_url = forms.URLField(
        required=False,
        max_length=1000,
        assume_scheme="https",
        label="Your sign-out page",
        help_text="The widget's “Sign out” button opens it after forgetting the reader here.",
    )
    email_sign_in = forms.BooleanField(
        required=False,
        label="Sign-in by e-mail link",
        help_text="Readers may sign in with a one-time link sent to their address, good for "
        "15 minutes; their comments then carry the name they chose and a picture.",
    )
    gravatar = forms.BooleanField(
        required=False,
        label="Gravatar pictures",
        help_text="For readers who gave an e-mail address. Every reader's browser then asks "
        "gravatar.com for them; off, pictures come from sign-ins and from this site only.",
    )

    ip_retention_days = forms.IntegerField(
        min_value=1,
        max_value=3650,
        label="Keep IP networks for (days)",
        help_text="Each comment keeps its author's anonymised network (/24 or /48) for bans "
        "and spam checks this long; a daily job clears it after.",
    )

    permalink_pattern = forms.CharField(
        max_length=PERMALINK_MAX_LENGTH,
        required=False,
        label="Link to a comment",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
        help_text="Where e-mails, feeds, webhooks and this dashboard send a reader to see a "
        "comment: {url} is the page, {id} the comment's id. The widget opens the default, "
        "{url}#comment-{id}. Leave it empty for the default.",
    )

    LISTS = ("allowed_origins", "banned_words", "suspect_words")
    GROUPS = (
        ("Moderation", ("moderation_mode", "suspect_words", "banned_words", "max_links",
                        "flag_threshold", "spam_filter", "akismet_key", "akismet_clear")),
        ("Commenting", ("guests_allowed", "guest_email_required", "edit_window_minutes",
                        "max_depth", "auto_close_days")),
        ("Embedding", ("allowed_origins", "permalink_pattern")),
        ("Sign-in", ("sso_enabled", "login_url", "logout_url", "email_sign_in", "gravatar")),
        ("Privacy", ("ip_retention_days",)),
    )  # fmt: skip

    @classmethod
    def initial_from(cls, row: SiteSettings) -> dict[str, Any]:
        from embed.moderation.configure import EDITABLE

        initial = {name: getattr(row, name) for name in EDITABLE if name != "akismet_key"}
        # Origins are stored in ASCII (as browsers send them) and edited in Unicode.
        initial["allowed_origins"] = [origin_display(o) for o in initial["allowed_origins"]]
        for name in cls.LISTS:
            initial[name] = "\n".join(initial[name])
        return initial

    def __init__(self, *args: Any, has_akismet_key: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if has_akismet_key:
            self.fields["akismet_key"].widget.attrs["placeholder"] = "•••••••• (set)"
        else:
            del self.fields["akismet_clear"]

    def clean_permalink_pattern(self) -> str:
        """Empty means the default; the pattern itself is checked by the model's validator."""
        return self.cleaned_data["permalink_pattern"].strip() or DEFAULT_PERMALINK_PATTERN

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in self.GROUPS
        ]

    def changes(self) -> dict[str, Any]:
        """The values for `settings_change`: lists stay text (the service tidies them)."""
        data = dict(self.cleaned_data)
        key, clear = data.pop("akismet_key", ""), data.pop("akismet_clear", False)
        if clear:
            data["akismet_key"] = ""
        elif key:
            data["akismet_key"] = key.strip()
        return data


ROLE_CHOICES = [(role, role.title()) for role in ROLES]


class TeamAddForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField(
        strip=False,  # a password is kept exactly as typed
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Share it with them privately.",
    )
    role = forms.ChoiceField(choices=ROLE_CHOICES)


class TeamRoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)
