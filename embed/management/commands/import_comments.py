"""`manage.py import_comments SLUG FILE [--format F] [--base-url URL] [--dry-run]`."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context
from tqdm import tqdm

from embed.importers.records import Refused
from embed.importers.run import Result, comments_import
from embed.importers.source import FORMATS
from tenants.models import Tenant


def site_schema(slug: str) -> str:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise CommandError(f"No site {slug!r}.")
    return str(tenant.schema_name)


class Command(BaseCommand):
    help = (
        "Import a site's comments from a Disqus, WordPress, Isso, Remark42 or Commento export "
        "(plain or gzipped). Importing the same file again creates nothing; a newer export adds "
        "what is new and updates what changed. See docs/import.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The site's slug")
        parser.add_argument("file", type=Path, help="The export file")
        parser.add_argument("--format", choices=FORMATS, help="Default: told from the file")
        parser.add_argument(
            "--base-url",
            help="Where the file's page paths live (Isso, Commento); default: the site's only "
            "allowed origin",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Run the whole import, then undo it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        bar = tqdm(
            total=path.stat().st_size, unit="B", unit_scale=True, desc="reading",
            disable=options["verbosity"] == 0, file=self.stderr._out,
        )  # fmt: skip

        def progress(phase: str, done: int, total: int, comments: int) -> None:
            bar.set_description(phase)
            bar.set_postfix(comments=comments, refresh=False)
            bar.update(done - bar.n)

        try:
            with schema_context(site_schema(options["slug"])):
                result = comments_import(
                    path=path,
                    format=options["format"],
                    base_url=options["base_url"],
                    dry_run=options["dry_run"],
                    progress=progress,
                )
        except Refused as exc:
            raise CommandError(f"refused: {exc}") from None
        finally:
            bar.close()
        self._report(result)

    def _report(self, result: Result) -> None:
        report = result.report
        for heading, counts in (("skipped", report["skipped"]), ("worked around", report["notes"])):
            for reason, count in counts.items():
                self.stdout.write(f"{heading}: {count} × {reason}")
        for entry in report["entries"][:20]:
            where = f"line {entry['line']}" if entry["line"] else f"id {entry['id']}"
            self.stdout.write(f"  {where}: {entry['kind']} {entry['id']}: {entry['reason']}")
        for origin, threads in report["origins_not_allowed"].items():
            self.stdout.write(
                f"note: {threads} thread(s) on {origin}, not an allowed origin of the site yet"
            )
        self.stdout.write(
            f"format: {result.format}; created: threads={result.threads_created} "
            f"comments={result.comments_created}; updated: comments={result.comments_updated}"
            + ("; dry run: nothing was kept" if result.dry_run else "")
        )
        self.stdout.write(result.summary())
