"""`manage.py mail_suppress EMAIL [--reason bounce|complaint|manual] [--site SLUG]`: send no
more e-mail to an address, on one site or on all of them."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from embed.notifications.bounces import suppress_everywhere


class Command(BaseCommand):
    help = "Suppress an e-mail address (after a bounce or complaint) on one site or all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--reason", default="manual", choices=["bounce", "complaint", "manual"])
        parser.add_argument("--site", help="a site's slug; every site when left out")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            known = suppress_everywhere(
                email=options["email"].strip().lower(),
                reason=options["reason"],
                site=options["site"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        where = ", ".join(known) if known else "no site knew it"
        self.stdout.write(f"suppressed {options['email']} ({options['reason']}): {where}")
