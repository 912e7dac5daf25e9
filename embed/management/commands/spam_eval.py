"""Train a fresh spam model on some labelled CSV files and measure it on others."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from embed.spam.dataset import LabelledComment, Scores, read_many, score_on, train_on


class Command(BaseCommand):
    help = (
        "Train a fresh spam model exactly as the shipped one is trained, then report precision, "
        "recall and F1 for spam on the test files (CSV: COMMENT_ID, AUTHOR, DATE, CONTENT, label)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--train", nargs="+", type=Path, required=True, metavar="CSV")
        parser.add_argument("--test", nargs="+", type=Path, required=True, metavar="CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        training = _read(options["train"])
        testing = _read(options["test"])
        scores = score_on(train_on(training), testing)
        self.stdout.write(
            f"trained on {len(training)} comments, tested on {len(testing)} "
            f"({sum(c.is_spam for c in testing)} spam)"
        )
        self.stdout.write(
            f"held or worse: {scores.true_positives} spam, {scores.false_positives} readers; "
            f"published: {scores.false_negatives} spam, {scores.true_negatives} readers"
        )
        self.stdout.write(format_scores(scores))


def format_scores(scores: Scores) -> str:
    return (
        f"spam_eval: precision={scores.precision:.3f} recall={scores.recall:.3f} f1={scores.f1:.3f}"
    )


def _read(paths: list[Path]) -> list[LabelledComment]:
    for path in paths:
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
    try:
        return read_many(paths)
    except (ValueError, UnicodeDecodeError) as error:
        raise CommandError(str(error)) from error
