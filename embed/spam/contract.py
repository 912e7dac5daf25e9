"""The data the comment pipeline hands to the spam filter and gets back."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SpamInput:
    text: str
    """The Markdown source of the comment."""
    author_name: str = ""
    author_email: str = ""
    honeypot: str = ""
    """Value of the widget's hidden field; people never see it, so anything here is a bot."""
    elapsed_ms: int | None = None
    """Milliseconds from widget load to submit, None when unknown."""
    link_count: int | None = None
    """Links in the comment as the renderer counted them; None to count them in `text`."""
    trust: float = 0.0
    """0..1: how far the author has earned the site's trust by approved comments
    (`embed.policy.trust`); 0 for a first-time guest and for data sets."""


@dataclass(frozen=True)
class SpamVerdict:
    score: float
    """0..1, probability-like; compare with SPAM_THRESHOLD and HOLD_THRESHOLD."""
    reasons: tuple[str, ...]
    """Human-readable, most important first, e.g. ("spam score 0.97", "3 links")."""
    features: tuple[tuple[str, float], ...]
    """Classifier features that moved the score most, with their signed log-odds push."""
    signals: tuple[tuple[str, float], ...] = ()
    """The heuristic signals that fired: (reason, log-odds), strongest first; the trust
    signal's is negative."""
