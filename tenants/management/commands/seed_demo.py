"""Provision the `demo` site with sample threads, for `make demo`. Safe to run repeatedly."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from embed.models import Comment, Commenter, Thread
from embed.services import comment_create, comment_status_set, thread_for_post
from embed.site import site_config
from embed.urlnorm import url_normalize
from tenants.models import Tenant
from tenants.services import site_create

DEMO_SLUG = "demo"
DEMO_OWNER = "owner@demo.example"
# The demo's login, printed by `make demo`; only ever set on the local demo site.
DEMO_PASSWORD = "palaver-demo"  # noqa: S105
BLOG = "http://localhost:8001"
DEMO_ORIGINS = [BLOG, "http://127.0.0.1:8001", "http://blog.localhost:8001"]
# The sample blog's posts (demo/blog/posts/); the last one gets the held comments.
DEMO_POSTS = [
    ("sourdough-at-altitude", "Sourdough at altitude"),
    ("maps-on-postgres", "Why our maps moved to PostgreSQL"),
    ("a-week-without-notifications", "A week without notifications"),
]
# Per post: top-level comments, each with its replies.
Conversation = list[tuple[str, str, list[tuple[str, str]]]]
CONVERSATIONS: list[Conversation] = [
    [
        ("Ada", "At 2,000 m my starter doubled in *half* the time. **Bookmarked.**", []),
        (
            "Grace",
            "Did you lower the hydration, or just shorten the proof?",
            [
                ("Ada", "Both: 5 % less water and about an hour less."),
                ("Linus", "Same here. The bake needs ten more minutes, though."),
            ],
        ),
    ],
    [
        (
            "Edsger",
            "PostGIS for the tiles, and one database to back up. Sensible.",
            [("Barbara", "Did the spatial indexes hold up with that many polygons?")],
        ),
        ("Ken", "Would love a follow-up on how you migrated the old data.", []),
    ],
    [("Margaret", "A week without notifications sounds lovely. I managed two days.", [])],
]
HELD = [
    ("Mallory", "CHECK OUT MY CHANNEL!!! http://spam.example/win subscribe subscribe"),
    ("Newcomer", "First time here: is there an RSS feed for new comments?"),
]


class Command(BaseCommand):
    help = "Create the demo site and its sample threads (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
        if tenant is None:
            site = site_create(
                slug=DEMO_SLUG,
                name="Demo Blog",
                owner_email=DEMO_OWNER,
                owner_password=options["password"],
                origins=DEMO_ORIGINS,
            )
            tenant = site.tenant
            self.stdout.write(f"Created the demo site at {site.base_url}/")
        with schema_context(tenant.schema_name):
            if Thread.objects.exists():
                return
            config = site_config()
            for index, (slug, title) in enumerate(DEMO_POSTS):
                thread = thread_for_post(
                    url=url_normalize(f"{BLOG}/posts/{slug}.html"),
                    key=None,
                    title=title,
                    site=config,
                    found=None,
                )
                for name, body, replies in CONVERSATIONS[index]:
                    top = comment_create(
                        thread=thread, author=Commenter.objects.create(name=name), body=body,
                        site=config,
                    )  # fmt: skip
                    for reply_name, reply_body in replies:
                        comment_create(
                            thread=thread, author=Commenter.objects.create(name=reply_name),
                            body=reply_body, parent=top, site=config,
                        )  # fmt: skip
                if index == 2:
                    for name, body in HELD:
                        comment = comment_create(
                            thread=thread, author=Commenter.objects.create(name=name),
                            body=body, site=config,
                        )  # fmt: skip
                        comment_status_set(comment=comment, status=Comment.Status.PENDING)
            self.stdout.write("Seeded the demo threads.")
