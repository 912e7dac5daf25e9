"""The bench's data: one site with a 200-comment thread, a 5,000-comment thread, and the
threads that the counts, posting and visibility rows use.

Comments are rendered by the real sanitizer (Markdown -> nh3) and inserted in bulk: the
rows are exactly what posting would store, without spending minutes on 5,000 posts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SLUG = "bench"
ORIGIN = "https://blog.bench.example"
HOT_URL = f"{ORIGIN}/posts/two-hundred"
BIG_URL = f"{ORIGIN}/posts/five-thousand"
LIVE_URL = f"{ORIGIN}/posts/live"
POST_THREADS = 200
COUNT_URLS = 20

WORDS = (
    "palaver thread reply reader comment moderation cache tenant schema latency widget "
    "markdown sanitize render server worker request response python django postgres redis "
    "nginx benchmark page blog post author score vote flag pinned edit delete queue origin "
    "simple fast careful quiet honest small large read write through before after because"
).split()


def post_url(index: int) -> str:
    return f"{ORIGIN}/notes/{index:04d}"


def markdown_body(rng: random.Random, length: int = 300) -> str:
    """About `length` characters of Markdown: two paragraphs, emphasis, code and a link."""
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < length - 60:
        words.append(rng.choice(WORDS))
    words[1] = f"**{words[1]}**"
    words[4] = f"_{words[4]}_"
    words[7] = f"`{words[7]}()`"
    middle = len(words) // 2
    return (
        " ".join(words[:middle]).capitalize()
        + ".\n\n"
        + " ".join(words[middle:]).capitalize()
        + f" See https://example.org/{rng.choice(WORDS)} for more."
    )


@dataclass(frozen=True)
class Seeded:
    schema: str
    host: str
    hot_count: int
    big_count: int


_bodies: list[tuple[str, str]] = []


def bodies() -> list[tuple[str, str]]:
    """64 (Markdown, sanitized HTML) pairs, rendered once per process by the real renderer."""
    from embed.sanitize import render_markdown

    if not _bodies:
        rng = random.Random(64)
        for _ in range(64):
            source = markdown_body(rng)
            _bodies.append((source, render_markdown(source)))
    return _bodies


def _thread_fill(*, url: str, title: str, top: int, replies: int, rng: random.Random) -> int:
    from embed.models import Comment, Commenter, Thread

    authors = list(Commenter.objects.all()[:50])
    thread = Thread.objects.create(url=url, title=title)
    texts = bodies()

    def make(**fields: object) -> Comment:
        source, html = texts[rng.randrange(len(texts))]
        return Comment(
            thread=thread,
            author=rng.choice(authors),
            body=source,
            body_html=html,
            status=Comment.Status.PUBLISHED,
            score=rng.randrange(0, 20),
            **fields,
        )

    tops = Comment.objects.bulk_create([make(depth=0) for _ in range(top)], batch_size=1000)
    children = [make(parent=c, root=c, depth=1) for c in tops for _ in range(replies)]
    Comment.objects.bulk_create(children, batch_size=1000)
    total = top * (1 + replies)
    Thread.objects.filter(pk=thread.pk).update(comment_count=total)
    return total


def seed(slug: str = SLUG) -> Seeded:
    """Provision the bench site through the real signup service and fill its threads."""
    from django_tenants.utils import schema_context

    from embed.models import Commenter
    from tenants.services import site_create

    site = site_create(
        slug=slug,
        name="Bench",
        owner_email=f"owner@{slug}.example",
        owner_password="bench-owner-password-1",  # noqa: S106 - a throwaway bench database
        origins=[ORIGIN],
    )
    rng = random.Random(2026)
    with schema_context(site.tenant.schema_name):
        Commenter.objects.bulk_create(
            [Commenter(name=f"Reader {i}", email=f"reader{i}@bench.example") for i in range(50)]
        )
        hot = _thread_fill(url=HOT_URL, title="Two hundred", top=50, replies=3, rng=rng)
        big = _thread_fill(url=BIG_URL, title="Five thousand", top=1250, replies=3, rng=rng)
        _thread_fill(url=LIVE_URL, title="Live", top=5, replies=1, rng=rng)
        for index in range(POST_THREADS):
            _thread_fill(url=post_url(index), title=f"Note {index}", top=2, replies=1, rng=rng)
    return Seeded(schema=site.tenant.schema_name, host=site.domain, hot_count=hot, big_count=big)


def small_thread(schema: str, url: str, rng: random.Random, title: str = "Post") -> int:
    """A 20-comment thread (5 top-level comments, 3 replies each) in `schema`."""
    from django_tenants.utils import schema_context

    from embed.models import Commenter

    with schema_context(schema):
        Commenter.objects.bulk_create([Commenter(name=f"Reader {i}") for i in range(5)])
        return _thread_fill(url=url, title=title, top=5, replies=3, rng=rng)
