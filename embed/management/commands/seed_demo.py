"""Provision the `demo` site with sample threads, for `make demo`. Safe to run repeatedly.

The sample blog runs on `--blog-port` (`make demo` passes BLOG_PORT): the site allows the
blog's origins on that port, and the blog's posts there get the sample threads. Run again
with another port, the existing site gains that port's origins and threads.
"""

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from core.urlnorm import url_normalize
from embed.models import Comment, Commenter, Thread
from embed.services import comment_create, comment_status_set, thread_for_post
from embed.site import site_config, site_settings_update
from tenants.models import Tenant
from tenants.services import site_create

DEMO_SLUG = "demo"
DEMO_OWNER = "owner@demo.example"
# The demo's login, printed by `make demo`; only ever set on the local demo site.
DEMO_PASSWORD = "palaver-demo"  # noqa: S105
DEFAULT_BLOG_PORT = 8001


def demo_origins(blog_port: int) -> list[str]:
    """The origins a reader may open the sample blog on; the first is the canonical one."""
    return [f"http://{host}:{blog_port}" for host in ("localhost", "127.0.0.1", "blog.localhost")]


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
        parser.add_argument(
            "--blog-port",
            type=int,
            default=int(os.environ.get("BLOG_PORT") or DEFAULT_BLOG_PORT),
            help="the sample blog's port (default: $BLOG_PORT, else 8001)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        origins = demo_origins(options["blog_port"])
        tenant = Tenant.objects.filter(slug=DEMO_SLUG).first()
        if tenant is None:
            site = site_create(
                slug=DEMO_SLUG,
                name="Demo Blog",
                owner_email=DEMO_OWNER,
                owner_password=options["password"],
                origins=origins,
            )
            tenant = site.tenant
            self.stdout.write(f"Created the demo site at {site.base_url}/")
        with schema_context(tenant.schema_name):
            allowed = site_config(fresh=True).allowed_origins
            if not allowed.issuperset(origins):
                # Origins added in the dashboard stay; this port's are added next to them.
                site_settings_update(allowed_origins=sorted(allowed.union(origins)))
                self.stdout.write(f"The demo site now allows {', '.join(origins)}")
            self.seed_threads(blog=origins[0])

    def seed_threads(self, *, blog: str) -> None:
        """The sample conversations on the blog's posts at `blog`, unless they have threads."""
        urls = [url_normalize(f"{blog}/posts/{slug}.html") for slug, _ in DEMO_POSTS]
        if Thread.objects.filter(url__in=urls).exists():
            return
        config = site_config(fresh=True)
        for index, (url, (_, title)) in enumerate(zip(urls, DEMO_POSTS, strict=True)):
            thread = thread_for_post(url=url, key=None, title=title, site=config, found=None)
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
