"""Provision the `demo` site with sample threads, for `make demo`. Safe to run repeatedly."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from embed.models import Comment, Commenter, Thread
from embed.services import comment_create, thread_get_or_create
from embed.site import site_config
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
CONVERSATION = [
    ("Ada", "Lovely to see comments that load this fast. **Bookmarked.**", []),
    (
        "Grace",
        "Does it keep working if the cache goes away? Asking for a friend who runs Redis.",
        [
            ("Ada", "It falls back to PostgreSQL: slower, but nothing breaks."),
            ("Linus", "Tested it: stopped Redis, posted, read. Fine."),
        ],
    ),
    (
        "Edsger",
        "Threads should be shallow. Deep nesting is where discussions go to die.",
        [("Barbara", "Which is why replies past the site's depth cap attach at the cap.")],
    ),
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
                thread, _ = thread_get_or_create(
                    url=f"{BLOG}/posts/{slug}.html", key=None, title=title, site=config
                )
                conversation = CONVERSATION if index < 2 else CONVERSATION[:1]
                for name, body, replies in conversation:
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
                        Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.PENDING)
            self.stdout.write("Seeded the demo threads.")
