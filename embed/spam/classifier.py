"""A naive Bayes spam classifier that learns one comment at a time.

Naive Bayes keeps nothing but counts, so `learn` is an exact O(features) update: a model that
has learned from a site's moderators holds the same counts as one trained from scratch on those
decisions (before `train` prunes rare features). That makes per-site models cheap to keep, undo
and reason about.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
from collections.abc import Iterable
from pathlib import Path

from embed.spam.tokens import CHAR_PREFIX, features

FORMAT_VERSION = 1
DEFAULT_MODEL_PATH = Path(__file__).with_name("default_model.json.gz")

SMOOTHING = 0.2
"""Additive smoothing per feature. Small, because most features of a short comment were never
seen before and large pseudo-counts would drown the few that were."""

EVIDENCE_SCALE = 0.5
"""Multiplies the length-normalised log-odds into the classifier's logit."""

EVIDENCE_OFFSET = 1.0
"""Length-normalised log-odds at which the classifier alone is undecided (score 0.5). Above
zero because holding a reader's comment costs more than letting one spam through."""

CHAR_WEIGHT = 0.5
"""Character n-grams overlap and outnumber the word features several times over; weighing them
down lets whole words and links lead, which also makes the explanations readable."""

MIN_FEATURE_DOCS = 2
"""Training drops features seen in fewer comments: they are mostly typos and one-off names,
and dropping them shrinks the shipped model from ~200 KB to ~80 KB without losing accuracy."""

HAM, SPAM = 0, 1


class SpamModel:
    """Per-class document frequencies of features; see `tokens.features` for what they are."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {}  # feature -> [ham documents, spam documents]
        self.docs = [0, 0]
        self.totals = [0, 0]  # feature occurrences per class, the naive Bayes denominators

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
        found = features(text)
        contributions = self._contributions(found)
        logit = sum(weight for _, weight in contributions) + self._bias(found)
        strongest = sorted(contributions, key=lambda item: (-abs(item[1]), item[0]))[:top]
        return logit, strongest

    def prune(self, min_docs: int) -> None:
        """Drop features seen in fewer than `min_docs` comments, to keep the model small."""
        rare = [name for name, (ham, spam) in self.counts.items() if ham + spam < min_docs]
        for name in rare:
            ham, spam = self.counts.pop(name)
            self.totals[HAM] -= ham
            self.totals[SPAM] -= spam

    def to_bytes(self) -> bytes:
        payload = {
            "version": FORMAT_VERSION,
            "docs": self.docs,
            "totals": self.totals,
            # Sorted so that the same model always serialises to the same bytes.
            "counts": dict(sorted(self.counts.items())),
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
        model.totals = [int(n) for n in payload["totals"]]
        model.counts = {
            name: [int(ham), int(spam)] for name, (ham, spam) in payload["counts"].items()
        }
        return model

    def _update(self, found: frozenset[str], label: int, step: int) -> None:
        self.docs[label] = max(0, self.docs[label] + step)
        for name in found:
            pair = self.counts.setdefault(name, [0, 0])
            if pair[label] + step < 0:
                continue  # forgetting something never learned must not go negative
            pair[label] += step
            self.totals[label] += step
            if pair == [0, 0]:
                del self.counts[name]

    def _bias(self, found: frozenset[str]) -> float:
        prior = math.log((self.docs[SPAM] + 1) / (self.docs[HAM] + 1))
        return _norm(found) * prior - EVIDENCE_SCALE * EVIDENCE_OFFSET

    def _contributions(self, found: frozenset[str]) -> list[tuple[str, float]]:
        vocabulary = len(self.counts) or 1
        spam_total = self.totals[SPAM] + SMOOTHING * vocabulary
        ham_total = self.totals[HAM] + SMOOTHING * vocabulary
        norm = _norm(found)
        out = []
        for name in found:
            pair = self.counts.get(name)
            if pair is None:
                continue
            ham, spam = pair
            ratio = ((spam + SMOOTHING) / spam_total) / ((ham + SMOOTHING) / ham_total)
            weight = CHAR_WEIGHT if name.startswith(CHAR_PREFIX) else 1.0
            out.append((name, weight * norm * math.log(ratio)))
        return out


def train(samples: Iterable[tuple[str, bool]]) -> SpamModel:
    """A new model from (text, is_spam) pairs: the one training path for every batch-trained
    model, the shipped default and `spam_eval`'s alike. Later `learn` calls keep everything."""
    model = SpamModel()
    for text, is_spam in samples:
        model.learn(text, is_spam)
    model.prune(MIN_FEATURE_DOCS)
    return model


@functools.cache
def _shipped_bytes() -> bytes:
    return DEFAULT_MODEL_PATH.read_bytes()


@functools.cache
def shared_default() -> SpamModel:
    """The shipped model, loaded once per process. Read-only: never call `learn` on it."""
    return SpamModel.from_bytes(_shipped_bytes())


def _norm(found: frozenset[str]) -> float:
    # Dividing by the square root of the feature count keeps long comments from reaching
    # certainty on sheer volume of weak, correlated evidence (character n-grams overlap).
    return EVIDENCE_SCALE / math.sqrt(max(len(found), 1))


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)
    return e / (1 + e)
