"""Rebuild the spam model shipped in embed/spam/ from labelled CSV files."""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from embed.spam.classifier import DEFAULT_MODEL_PATH
from embed.spam.dataset import dataset_dir, read_many, train_on


class Command(BaseCommand):
    help = (
        "Train the default spam model on every CSV of the YouTube Spam Collection (or the files "
        "given) and write it to embed/spam/default_model.json.gz for committing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("csv", nargs="*", type=Path, help="default: the shared data folder")
        parser.add_argument("--output", type=Path, default=DEFAULT_MODEL_PATH)

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["csv"] or sorted(dataset_dir().glob("*.csv"))
        if not paths:
            raise CommandError(f"no CSV files given and none in {dataset_dir()}")
        comments = read_many(paths)
        data = train_on(comments).to_bytes()
        options["output"].write_bytes(data)
        self.stdout.write(
            f"wrote {options['output'].name}: {len(data)} bytes from {len(comments)} comments "
            f"in {', '.join(path.name for path in paths)}"
        )
