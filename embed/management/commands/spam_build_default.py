"""Rebuild the spam model shipped in embed/spam/ from labelled CSV files."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from embed.spam.classifier import DEFAULT_MODEL_PATH
from embed.spam.dataset import LabelledComment, dataset_dir, read_many, shipped_training, train_on


class Command(BaseCommand):
    help = (
        "Train the default spam model on every CSV of the YouTube Spam Collection and the blog "
        "corpus's training file (or only the files given) and write it to "
        "embed/spam/default_model.json.gz for committing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("csv", nargs="*", type=Path, help="default: the shared data folder")
        parser.add_argument("--output", type=Path, default=DEFAULT_MODEL_PATH)

    def handle(self, *args: Any, **options: Any) -> None:
        extra: list[LabelledComment] = []
        if options["csv"]:
            comments = read_many(options["csv"])
        else:
            if not any(dataset_dir().glob("*.csv")):
                raise CommandError(f"no CSV files given and none in {dataset_dir()}")
            comments, extra = shipped_training()
        data = train_on(comments, extra).to_bytes()
        options["output"].write_bytes(data)
        sources = sorted({comment.source for comment in (*comments, *extra)})
        self.stdout.write(
            f"wrote {options['output'].name}: {len(data)} bytes from "
            f"{len(comments) + len(extra)} comments in {', '.join(sources)}"
        )
