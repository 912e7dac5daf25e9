"""The decision on every new or edited comment: bans, then the site's rules, then spam.

The strictest outcome wins (rejected > spam > pending > published) and every step that had
something to say leaves a reason, which the dashboard shows next to the comment.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from core.errors import ErrorCode, Refused
from embed.models import Comment, Commenter, SiteSettings
from embed.policy.bans import ban_active
from embed.policy.rules import words_found
from embed.policy.spammodel import site_spam_model
from embed.policy.trust import reader_trust
from embed.sanitize import link_count
from embed.site import SiteConfig
from embed.spam import HOLD_THRESHOLD, SPAM_THRESHOLD, SpamInput, spam_check

_SEVERITY: dict[str, int] = {
    Comment.Status.PUBLISHED: 0,
    Comment.Status.PENDING: 1,
    Comment.Status.SPAM: 2,
    Comment.Status.REJECTED: 3,
}


@dataclass
class Decision:
    status: str = Comment.Status.PUBLISHED
    reasons: list[str] = field(default_factory=list)
    spam_score: float | None = None
    shadowed: bool = False

    def escalate(self, status: str, reason: str) -> None:
        self.reasons.append(reason)
        if _SEVERITY[status] > _SEVERITY[self.status]:
            self.status = status


@dataclass(frozen=True)
class Submission:
    """What the pipeline looks at: the comment as written and who wrote it from where."""

    source: str
    html: str
    author: Commenter
    ip: str | None = None
    honeypot: str = ""
    elapsed_ms: int | None = None
    page_url: str = ""
    exclude_comment: int | None = None  # when re-checking an edit, the comment itself
    # Akismet's verdict, asked by the caller before its transaction (akismet_opinion);
    # None when it was not asked.
    akismet_spam: bool | None = None


def moderation_decide(*, site: SiteConfig, item: Submission) -> Decision:
    decision = Decision()
    author = item.author
    ban = ban_active(commenter=author, email=author.email, ip=item.ip)
    if ban is not None and not ban.shadow:
        raise Refused(ErrorCode.BANNED, "You can no longer comment on this site.")
    if ban is not None:
        decision.shadowed = True
        decision.escalate(Comment.Status.SPAM, "shadow ban")

    for word in words_found(item.source, site.banned_words):
        decision.escalate(Comment.Status.REJECTED, f"banned word: {word}")
    for word in words_found(item.source, site.suspect_words):
        decision.escalate(Comment.Status.PENDING, f"suspect word: {word}")
    # Counted in what readers get: links they can follow, not text that looks like one.
    links = link_count(item.html)
    if links > site.max_links:
        decision.escalate(Comment.Status.PENDING, f"{links} links (limit {site.max_links})")

    if site.moderation_mode == SiteSettings.Moderation.PRE:
        decision.escalate(Comment.Status.PENDING, "pre-moderation")
    elif site.moderation_mode == SiteSettings.Moderation.PRE_FIRST:
        earlier = Comment.objects.filter(author=author, status=Comment.Status.PUBLISHED)
        if item.exclude_comment is not None:
            earlier = earlier.filter(~Q(pk=item.exclude_comment))
        if not earlier.exists():
            decision.escalate(Comment.Status.PENDING, "first-time commenter")

    if item.honeypot:
        decision.escalate(Comment.Status.SPAM, "honeypot filled")
    if site.spam_filter:
        _spam_opinion(decision, site, item, links)
    return decision


def _spam_opinion(decision: Decision, site: SiteConfig, item: Submission, links: int) -> None:
    model = site_spam_model()
    verdict = spam_check(
        SpamInput(
            text=item.source,
            author_name=item.author.name,
            author_email=item.author.email,
            honeypot=item.honeypot,
            elapsed_ms=item.elapsed_ms,
            link_count=links,
            trust=reader_trust(item.author, exclude_comment=item.exclude_comment).score,
        ),
        model,
    )
    decision.spam_score = round(verdict.score, 4)
    # The shipped model alone may only hold a comment: it was trained on another kind of
    # comment section, and a real reader sent to the spam folder is rarely seen again. It
    # can bin a comment once a heuristic agrees, or once the site's moderators have taught it.
    corroborated = any(weight > 0 for _, weight in verdict.signals) or model is not None
    if verdict.score >= SPAM_THRESHOLD and corroborated:
        decision.escalate(Comment.Status.SPAM, ", ".join(verdict.reasons))
    elif verdict.score >= HOLD_THRESHOLD:
        decision.escalate(Comment.Status.PENDING, ", ".join(verdict.reasons))
    if item.akismet_spam:
        decision.escalate(Comment.Status.SPAM, "Akismet: spam")
