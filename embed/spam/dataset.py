"""Labelled comments in the YouTube Spam Collection's CSV layout, and scoring on them.

Columns: COMMENT_ID, AUTHOR, DATE, CONTENT, label (1 = spam). CONTENT is an HTML fragment;
`tokens.normalize` reads it the same way it reads Markdown.
"""

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from embed.spam.check import HOLD_THRESHOLD, spam_check
from embed.spam.classifier import SpamModel
from embed.spam.contract import SpamInput
from embed.spam.training import train


@dataclass(frozen=True)
class LabelledComment:
    text: str
    author: str
    is_spam: bool
    source: str = ""
    """The file it came from; training calibrates across sources."""


@dataclass(frozen=True)
class Scores:
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        spam = self.true_positives + self.false_negatives
        return self.true_positives / spam if spam else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def read_labelled_csv(path: Path) -> list[LabelledComment]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"AUTHOR", "CONTENT", "label"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
        return [
            LabelledComment(
                text=row["CONTENT"],
                author=row["AUTHOR"],
                is_spam=row["label"].strip() == "1",
                source=path.name,
            )
            for row in reader
        ]


def read_many(paths: Iterable[Path]) -> list[LabelledComment]:
    return [comment for path in paths for comment in read_labelled_csv(path)]


def train_on(
    comments: Sequence[LabelledComment], extra: Sequence[LabelledComment] = ()
) -> SpamModel:
    """A model trained on `comments`, calibrated across their sources (files), and on
    `extra` as well, which is trained on but never a calibration fold (`training.train`)."""
    return train(
        [(comment.text, comment.is_spam) for comment in (*comments, *extra)],
        groups=[comment.source for comment in comments] + [None] * len(extra),
    )


def as_input(comment: LabelledComment) -> SpamInput:
    # The collection has no honeypot or timing; those signals stay silent, as for an import.
    return SpamInput(text=comment.text, author_name=comment.author)


def score_on(model: SpamModel, comments: Sequence[LabelledComment]) -> Scores:
    """Spam detection figures where "flagged" means held for moderation or worse."""
    tp = fp = fn = tn = 0
    for comment in comments:
        flagged = spam_check(as_input(comment), model).score >= HOLD_THRESHOLD
        if flagged and comment.is_spam:
            tp += 1
        elif flagged:
            fp += 1
        elif comment.is_spam:
            fn += 1
        else:
            tn += 1
    return Scores(tp, fp, fn, tn)


def dataset_dir() -> Path:
    """The folder of the YouTube Spam Collection's CSV files (CC BY 4.0, credited in its
    README): PALAVER_SPAM_DATA if set, else the copy kept in the project beside this module,
    embed/spam/data/youtube-spam/."""
    configured = os.environ.get("PALAVER_SPAM_DATA")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent / "data" / "youtube-spam"


def blog_dir() -> Path:
    """The folder of the hand-written blog corpus (comments that cite links, and link spam;
    embed/spam/data/blog-links/, described in its README)."""
    return Path(__file__).resolve().parent / "data" / "blog-links"


BLOG_TRAINING = "blog-links-a.csv"
"""The blog file the shipped model learns from; the other one is held out for evaluation."""
BLOG_HELD_OUT = "blog-links-b.csv"


def shipped_training() -> tuple[list[LabelledComment], list[LabelledComment]]:
    """What the shipped model is trained on: the YouTube files (calibrated across them) and,
    as extra data that never moves the calibration, the blog training file."""
    youtube = read_many(sorted(dataset_dir().glob("*.csv")))
    return youtube, read_labelled_csv(blog_dir() / BLOG_TRAINING)
