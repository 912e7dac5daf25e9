"""The spam classifier: naive Bayes evidence, reweighted by a logistic regression, calibrated.

For each feature of a comment (see `tokens.features`) the model keeps per-class document
counts and derives the naive Bayes log-count ratio r from them. The logit is

    scale * (bias + sum over known features f of weight(f) * r(f) / sqrt(n)) + offset + prior

where n is the number of known features, weight(f) = NB_TRUST + adjustment(f) with the
adjustments fitted by logistic regression in batch training (NB-SVM, Wang and Manning 2012,
with the regression pulled towards plain naive Bayes), and scale/offset come from Platt
scaling on held-out predictions (see `training.py`). The prior then moves the score from the
balanced training data to the share of spam a real comment section sees (SPAM_BASE_RATE, or
QUIET_SPAM_BASE_RATE for a comment without links or contact details).

`learn` and `forget` change nothing but counts, so a moderator's decision is an exact,
reversible O(features) update; its effect goes through r, with the batch-fitted weight of a
known feature or NB_TRUST for a new one. Weights are never negative, so learning a comment as
spam can only raise the score of comments like it, and learning it as a reader's only lower it.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
from pathlib import Path

from embed.spam.tokens import features, reaches_out

FORMAT_VERSION = 2
DEFAULT_MODEL_PATH = Path(__file__).with_name("default_model.json.gz")

SMOOTHING = 1.0
"""Additive smoothing of the document counts behind the log-count ratio."""

NB_TRUST = 1.0
"""Weight of a feature's naive Bayes evidence before the regression adjusts it, and the weight
of every feature that only moderators' decisions taught the model."""

SPAM_BASE_RATE = 0.2
"""Share of spam assumed among the comments that reach the classifier on a real site (bots
that fill the honeypot or submit instantly are mostly stopped by the heuristics first). The
training data is balanced, so without this correction every comment about something the data
never mentions would start at even odds of being spam."""

QUIET_SPAM_BASE_RATE = 0.1
"""The same for comments that offer no way off the page (no link beyond well-known sites, no
contact details; `tokens.reaches_out`): comment spam exists to send readers somewhere, so
without a link or an address it is rarer still, and what remains of it does little harm."""

PRIOR_LOG_ODDS = math.log(SPAM_BASE_RATE / (1 - SPAM_BASE_RATE))
QUIET_PRIOR_LOG_ODDS = math.log(QUIET_SPAM_BASE_RATE / (1 - QUIET_SPAM_BASE_RATE))

HAM, SPAM = 0, 1


class SpamModel:
    """Document counts per class, regression weights and calibration; see the module doc."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {}  # feature -> [ham documents, spam documents]
        self.docs = [0, 0]
        self.adjustments: dict[str, float] = {}  # feature -> weight - NB_TRUST, from training
        self.bias = 0.0
        self.scale = 1.0
        self.offset = 0.0

    @classmethod
    def default(cls) -> SpamModel:
        """A fresh, private copy of the model shipped with the package."""
        return cls.from_bytes(_shipped_bytes())

    def learn(self, text: str, is_spam: bool) -> None:
        self._update(features(text), SPAM if is_spam else HAM, +1)

    def forget(self, text: str, is_spam: bool) -> None:
        """Undo an earlier `learn`, e.g. when a moderator reverses a decision."""
        self._update(features(text), SPAM if is_spam else HAM, -1)

    def logit(self, text: str) -> float:
        return self.assess(text)[0]

    def score(self, text: str) -> float:
        """Probability-like spam score of the text alone, without the heuristics."""
        return sigmoid(self.logit(text))

    def explain(self, text: str, top: int = 5) -> list[tuple[str, float]]:
        """The features that moved the logit most, signed (+ towards spam), largest first."""
        return self.assess(text, top)[1]

    def assess(self, text: str, top: int = 5) -> tuple[float, list[tuple[str, float]]]:
        """The logit and the `top` features behind it, from one pass over the text."""
        contributions = [
            (name, self.scale * value) for name, value in self.evidence(features(text)).items()
        ]
        logit = (
            sum(weight for _, weight in contributions)
            + self.scale * self.bias
            + self.offset
            + (PRIOR_LOG_ODDS if reaches_out(text) else QUIET_PRIOR_LOG_ODDS)
        )
        strongest = sorted(contributions, key=lambda item: (-abs(item[1]), item[0]))[:top]
        return logit, strongest

    def evidence(self, found: frozenset[str]) -> dict[str, float]:
        """Each known feature's uncalibrated push on the logit: weight * r / sqrt(n)."""
        known = [name for name in found if name in self.counts]
        norm = 1 / math.sqrt(len(found) or 1)
        return {
            name: self.weight(name) * self.ratio(name) * norm
            for name in sorted(known)  # sorted: the float sum must not depend on set order
        }

    def ratio(self, name: str) -> float:
        """Naive Bayes log-count ratio of a feature: log P(f | spam) / P(f | ham)."""
        ham, spam = self.counts.get(name, (0, 0))
        in_spam = (spam + SMOOTHING) / (self.docs[SPAM] + 2 * SMOOTHING)
        in_ham = (ham + SMOOTHING) / (self.docs[HAM] + 2 * SMOOTHING)
        return math.log(in_spam / in_ham)

    def weight(self, name: str) -> float:
        return max(0.0, NB_TRUST + self.adjustments.get(name, 0.0))

    def prune(self, min_docs: int) -> None:
        """Drop features seen in fewer than `min_docs` comments, to keep the model small."""
        rare = [name for name, (ham, spam) in self.counts.items() if ham + spam < min_docs]
        for name in rare:
            del self.counts[name]
            self.adjustments.pop(name, None)

    def to_bytes(self) -> bytes:
        payload = {
            "version": FORMAT_VERSION,
            "docs": self.docs,
            "bias": self.bias,
            "scale": self.scale,
            "offset": self.offset,
            # Sorted so that the same model always serialises to the same bytes.
            "counts": dict(sorted(self.counts.items())),
            "adjustments": dict(sorted(self.adjustments.items())),
        }
        raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return gzip.compress(raw, compresslevel=9, mtime=0)

    @classmethod
    def from_bytes(cls, data: bytes) -> SpamModel:
        payload = json.loads(gzip.decompress(data))
        if payload.get("version") != FORMAT_VERSION:
            raise ValueError(f"unsupported spam model format {payload.get('version')!r}")
        model = cls()
        model.docs = [int(n) for n in payload["docs"]]
        model.bias = float(payload["bias"])
        model.scale = float(payload["scale"])
        model.offset = float(payload["offset"])
        model.counts = {
            name: [int(ham), int(spam)] for name, (ham, spam) in payload["counts"].items()
        }
        model.adjustments = {name: float(value) for name, value in payload["adjustments"].items()}
        return model

    def _update(self, found: frozenset[str], label: int, step: int) -> None:
        self.docs[label] = max(0, self.docs[label] + step)
        for name in found:
            pair = self.counts.setdefault(name, [0, 0])
            if pair[label] + step >= 0:  # forgetting something never learned must not go negative
                pair[label] += step
            if pair == [0, 0]:
                del self.counts[name]
                self.adjustments.pop(name, None)


@functools.cache
def _shipped_bytes() -> bytes:
    return DEFAULT_MODEL_PATH.read_bytes()


@functools.cache
def shared_default() -> SpamModel:
    """The shipped model, loaded once per process. Read-only: never call `learn` on it."""
    return SpamModel.from_bytes(_shipped_bytes())


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)
    return e / (1 + e)
