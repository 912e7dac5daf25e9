"""Train a fresh spam model on some labelled CSV files and measure it on others, or print the
whole evaluation docs/spam.md reports (`--report`)."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from embed.spam.classifier import SpamModel, shared_default
from embed.spam.dataset import (
    BLOG_HELD_OUT,
    BLOG_TRAINING,
    LabelledComment,
    Scores,
    blog_dir,
    dataset_dir,
    read_labelled_csv,
    read_many,
    score_on,
    train_on,
)


class Command(BaseCommand):
    help = (
        "Train a fresh spam model exactly as the shipped one is trained, then report precision, "
        "recall and F1 for spam on the test files (CSV: COMMENT_ID, AUTHOR, DATE, CONTENT, label). "
        "With --report: leave one file out on the YouTube files, and the shipped model on the "
        "blog corpus of comments that cite links."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--train", nargs="+", type=Path, metavar="CSV")
        parser.add_argument("--test", nargs="+", type=Path, metavar="CSV")
        parser.add_argument("--report", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["report"]:
            self._report()
            return
        if not (options["train"] and options["test"]):
            raise CommandError("give --train and --test files, or --report")
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

    def _report(self) -> None:
        youtube = sorted(dataset_dir().glob("*.csv"))
        if not youtube or not (blog_dir() / BLOG_TRAINING).is_file():
            raise CommandError(f"no CSV files in {dataset_dir()} or {blog_dir()}")
        blog_training = _read([blog_dir() / BLOG_TRAINING])
        blog_held_out = _read([blog_dir() / BLOG_HELD_OUT])
        self.stdout.write(
            "| test file | trained on | readers published | precision | recall | F1 |"
        )
        self.stdout.write("|---|---|---|---|---|---|")
        # Each model is trained as the shipped one is (train_on with the blog training file as
        # extra data), leaving out what it is tested on.
        for test in youtube:
            others = read_many(path for path in youtube if path != test)
            model = train_on(others, blog_training)
            self._row(test.stem, f"the other YouTube files + {_stem(BLOG_TRAINING)}", model, test)
        # The same without the blog file: what the method does on YouTube data alone.
        for test in youtube:
            others = read_many(path for path in youtube if path != test)
            self._row(test.stem, "the other YouTube files", train_on(others), test)
        self._row(
            _stem(BLOG_HELD_OUT), "shipped model (never saw it)", shared_default(), blog_held_out
        )
        swapped = train_on(read_many(youtube), blog_held_out)
        self._row(
            _stem(BLOG_TRAINING), f"the YouTube files + {_stem(BLOG_HELD_OUT)}", swapped,
            blog_training,
        )  # fmt: skip

    def _row(
        self, name: str, trained: str, model: SpamModel, test: Path | list[LabelledComment]
    ) -> None:
        scores = score_on(model, _read([test]) if isinstance(test, Path) else test)
        self.stdout.write(
            f"| {name} | {trained} | {readers_published(scores):.3f} | {scores.precision:.3f} "
            f"| {scores.recall:.3f} | {scores.f1:.3f} |"
        )


def _stem(filename: str) -> str:
    return filename.removesuffix(".csv")


def readers_published(scores: Scores) -> float:
    """Share of the readers' comments (label 0) that were published, 0..1."""
    readers = scores.true_negatives + scores.false_positives
    return scores.true_negatives / readers if readers else 1.0


def format_scores(scores: Scores) -> str:
    return (
        f"spam_eval: precision={scores.precision:.3f} recall={scores.recall:.3f} f1={scores.f1:.3f}"
    )


def _read(paths: list[Path]) -> list[LabelledComment]:
    for path in paths:
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
    try:
        return [comment for path in paths for comment in read_labelled_csv(path)]
    except (ValueError, UnicodeDecodeError) as error:
        raise CommandError(str(error)) from error
