"""`python manage.py sso_secret SLUG [--rotate]`: print a site's SSO secret, making one if
the site has none; `--rotate` makes a new one (the old one stays valid for a change-over of
SSO_PREVIOUS_DAYS days). Both are written to the site's audit log."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from embed.management.commands.import_comments import site_schema
from embed.moderation.configure import SSO_PREVIOUS_DAYS, sso_secret_ensure, sso_secret_rotate


class Command(BaseCommand):
    help = "Print a site's SSO secret (made if absent); --rotate makes a new one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The site's slug")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help=f"Make a new secret; the current one stays valid for {SSO_PREVIOUS_DAYS} days.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with schema_context(site_schema(options["slug"])):
            secret = sso_secret_rotate(actor=None) if options["rotate"] else sso_secret_ensure()
        self.stdout.write(secret)
