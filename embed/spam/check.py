"""spam_check: the classifier and the heuristics combined into one verdict."""

from embed.spam.classifier import SpamModel, shared_default, sigmoid
from embed.spam.contract import SpamInput, SpamVerdict
from embed.spam.heuristics import heuristic_signals

SPAM_THRESHOLD = 0.9
"""At or above this score a comment is treated as spam: kept out of the thread and out of the
moderation queue's front page. Reached by clear classifier evidence plus a strong signal, or by
the honeypot alone."""

HOLD_THRESHOLD = 0.5
"""At or above this score (and below SPAM_THRESHOLD) a comment is held for moderation rather
than published: spam is more likely than not. The score is calibrated for a real comment
section's share of spam, not the training data's even split (see `classifier.SPAM_BASE_RATE`),
so holding a reader takes clear evidence; the published evaluation figures are measured here."""

TOP_FEATURES = 5


def spam_check(item: SpamInput, model: SpamModel | None = None) -> SpamVerdict:
    """Score one comment; `model` is the site's own model, None for the shipped default."""
    model = model if model is not None else shared_default()
    signals = heuristic_signals(item)
    logit, strongest = model.assess(item.text, TOP_FEATURES)
    score = sigmoid(logit + sum(signal.weight for signal in signals))
    reasons = (f"spam score {score:.2f}", *(signal.reason for signal in signals))
    features = tuple((name, round(weight, 3)) for name, weight in strongest)
    fired = tuple((signal.reason, signal.weight) for signal in signals)
    return SpamVerdict(score=score, reasons=reasons, features=features, signals=fired)
