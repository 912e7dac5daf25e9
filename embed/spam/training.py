"""Batch training: counts, the regression on top of them, and calibration on held-out data.

`train` is the one training path for every batch-trained model, the shipped default and
`spam_eval`'s alike. It is deterministic (fixed shuffling seed, rounded weights), so the same
data always gives the same bytes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Iterable, Sequence

from embed.spam.classifier import HAM, NB_TRUST, SPAM, SpamModel, sigmoid
from embed.spam.tokens import features

MIN_FEATURE_DOCS = 2
"""Training drops features seen in fewer comments: they are mostly typos and one-off names."""

L2 = 1e-3
"""Pull of each adjustment towards zero, i.e. of each weight towards plain naive Bayes."""
EPOCHS = 15
LEARNING_RATE = 0.5
"""AdaGrad step size; per-feature steps shrink as a feature's gradients accumulate."""
SEED = 0

FALLBACK_FOLDS = 5
"""Folds for calibration when the training data comes from a single source."""

DIGITS = 6
"""Fitted numbers are rounded so that the serialised model is stable and round-trips exactly."""


def train(
    samples: Iterable[tuple[str, bool]], groups: Sequence[Hashable | None] | None = None
) -> SpamModel:
    """A new model from (text, is_spam) pairs. `groups` names each sample's source (a file, a
    site); calibration then predicts each source with a model trained on the others, so that
    the scores it fits are those of comments from a source the model has never seen. A sample
    whose group is None is always trained on and never predicted for calibration: data from
    another kind of comment section (the blog corpus) that should teach the model words, not
    move the calibration fitted across the grouped sources."""
    pairs = [(features(text), is_spam) for text, is_spam in samples]
    named = [group for group in groups or () if group is not None]
    if groups is None or len(set(named)) < 2:
        folds: list[int | None] = [index % FALLBACK_FOLDS for index in range(len(pairs))]
    else:
        if len(groups) != len(pairs):
            raise ValueError("one group per sample")
        names = sorted(set(named), key=repr)
        folds = [None if group is None else names.index(group) for group in groups]
    held_out: list[tuple[float, bool]] = []
    for fold in sorted({fold for fold in folds if fold is not None}):
        inner = [pair for pair, other in zip(pairs, folds, strict=True) if other != fold]
        outer = [pair for pair, other in zip(pairs, folds, strict=True) if other == fold]
        model = fit(inner)
        held_out += [(raw_logit(model, found), is_spam) for found, is_spam in outer]
    model = fit(pairs)
    model.scale, model.offset = (round(value, DIGITS) for value in platt(held_out))
    return model


def fit(pairs: Sequence[tuple[frozenset[str], bool]]) -> SpamModel:
    """Counts, then the regression adjustments and bias; the calibration is left neutral."""
    model = SpamModel()
    for found, is_spam in pairs:
        label = SPAM if is_spam else HAM
        model.docs[label] += 1
        for name in found:
            model.counts.setdefault(name, [0, 0])[label] += 1
    model.prune(MIN_FEATURE_DOCS)
    rows = [(_row(model, found), 1.0 if is_spam else 0.0) for found, is_spam in pairs]
    adjustments: dict[str, float] = {}
    squares: dict[str, float] = {}
    bias, bias_squares = 0.0, 1e-8
    order = list(range(len(rows)))
    shuffle = random.Random(SEED).shuffle  # noqa: S311 - a fixed order, not a secret
    for _ in range(EPOCHS):
        shuffle(order)
        for index in order:
            row, target = rows[index]
            z = bias + sum((NB_TRUST + adjustments.get(n, 0.0)) * value for n, value in row)
            error = sigmoid(z) - target
            for name, value in row:
                current = adjustments.get(name, 0.0)
                gradient = error * value + L2 * current
                squares[name] = squares.get(name, 1e-8) + gradient * gradient
                step = current - LEARNING_RATE * gradient / math.sqrt(squares[name])
                # A weight below zero would let a moderator's "spam" lower spam scores.
                adjustments[name] = max(step, -NB_TRUST)
            bias_squares += error * error
            bias -= LEARNING_RATE * error / math.sqrt(bias_squares)
    model.adjustments = {
        name: rounded for name, value in adjustments.items() if (rounded := round(value, DIGITS))
    }
    model.bias = round(bias, DIGITS)
    return model


def raw_logit(model: SpamModel, found: frozenset[str]) -> float:
    """The logit before calibration and prior: what Platt scaling maps."""
    return model.bias + sum(model.evidence(found).values())


def platt(scored: Sequence[tuple[float, bool]], iterations: int = 50) -> tuple[float, float]:
    """(scale, offset) of the logistic fit P(spam) = sigmoid(scale * logit + offset), with the
    classes weighted equally so that the offset describes even odds, whatever the mix of the
    training data; the classifier adds the real-world prior on top. Newton's method."""
    spam = sum(1 for _, is_spam in scored if is_spam)
    ham = len(scored) - spam
    if not spam or not ham:
        return 1.0, 0.0
    scale, offset = 1.0, 0.0
    for _ in range(iterations):
        g_scale = g_offset = 0.0
        h_ss = h_so = h_oo = 1e-9
        for logit, is_spam in scored:
            share = 0.5 / (spam if is_spam else ham)
            p = sigmoid(scale * logit + offset)
            error = (p - (1.0 if is_spam else 0.0)) * share
            curve = p * (1 - p) * share
            g_scale += error * logit
            g_offset += error
            h_ss += curve * logit * logit
            h_so += curve * logit
            h_oo += curve
        det = h_ss * h_oo - h_so * h_so
        if det <= 1e-12:  # every prediction saturated: nothing left to fit, keep the last step
            break
        d_scale = (h_oo * g_scale - h_so * g_offset) / det
        d_offset = (h_ss * g_offset - h_so * g_scale) / det
        scale, offset = scale - d_scale, offset - d_offset
        if abs(d_scale) + abs(d_offset) < 1e-10:
            break
    return scale, offset


def _row(model: SpamModel, found: frozenset[str]) -> list[tuple[str, float]]:
    """The regression's inputs for a comment: r(f) / sqrt(n) for each known feature."""
    known = sorted(name for name in found if name in model.counts)
    norm = 1 / math.sqrt(len(found) or 1)
    return [(name, model.ratio(name) * norm) for name in known]
