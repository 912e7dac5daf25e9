from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.services import site_create


class Command(BaseCommand):
    help = "Create a site (tenant): its schema, domain, owner account and allowed origins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="DNS label: the site's subdomain")
        parser.add_argument("--name", required=True, help="Display name of the site")
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", help="Generated and printed when omitted")
        parser.add_argument(
            "--origin",
            action="append",
            default=[],
            dest="origins",
            help="An origin allowed to embed comments (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            site = site_create(
                slug=options["slug"],
                name=options["name"],
                owner_email=options["owner_email"],
                owner_password=options["owner_password"],
                origins=options["origins"],
            )
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            raise CommandError(problems) from None
        self.stdout.write(self.style.SUCCESS(f"Created site {site.tenant.slug}"))
        self.stdout.write(f"  site:      {site.base_url}/")
        self.stdout.write(f"  dashboard: {site.dashboard_url}")
        self.stdout.write(f"  owner:     {site.owner_email}")
        if site.owner_password:
            self.stdout.write(f"  password:  {site.owner_password}")
        self.stdout.write("  embed snippet:\n" + site.embed_snippet)
