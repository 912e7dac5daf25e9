"""Spam filter for comments: heuristics plus a per-site NB-SVM classifier, calibrated.

The comment pipeline calls `spam_check(SpamInput(...), model)` with the site's own model (or
None for the shipped default) and acts on the score with SPAM_THRESHOLD and HOLD_THRESHOLD.
Moderator decisions go back in through `model.learn(text, is_spam)`; store the model with
`to_bytes()` and load it with `SpamModel.from_bytes()`. See docs/spam.md.
"""

from embed.spam.check import HOLD_THRESHOLD, SPAM_THRESHOLD, spam_check
from embed.spam.classifier import SpamModel
from embed.spam.contract import SpamInput, SpamVerdict

__all__ = [
    "HOLD_THRESHOLD",
    "SPAM_THRESHOLD",
    "SpamInput",
    "SpamModel",
    "SpamVerdict",
    "spam_check",
]
