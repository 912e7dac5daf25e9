"""`manage.py export_comments SLUG --format json|disqus [-o FILE]`."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from embed.importers.export import FORMATS, export_disqus, export_json
from embed.management.commands.import_comments import site_schema


class Command(BaseCommand):
    help = (
        "Export a site's threads and comments as JSON (schema in docs/import.md) or as Disqus "
        "XML, streaming, to a file or standard output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The site's slug")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("-o", "--output", help="File to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        export = export_json if options["format"] == "json" else export_disqus
        with schema_context(site_schema(slug)):
            if options["output"]:
                with open(options["output"], "wb") as out:
                    for chunk in export(site=slug):
                        out.write(chunk)
            else:
                for chunk in export(site=slug):
                    sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
