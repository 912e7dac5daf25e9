"""Bringing stored page URLs and origins to today's canonical forms (core.urlnorm).

Used by data migrations, so every function takes the model classes it works on: a migration
passes its historical models, tests pass the real ones. Run inside a transaction.

Page URLs: threads whose URLs now normalise alike were one page all along
(`/posts/caf%c3%a9`, `/posts/café`). Key-less duplicates are merged into the oldest of them;
threads with a site key keep their identity (the key says which page they are) and only get
the new spelling of their URL. URLs that no longer parse are left as they are.
"""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from core.urlnorm import InvalidURL, origins_clean, url_normalize


@dataclass
class Renormalised:
    urls_changed: int = 0  # threads whose stored URL was respelled
    threads_merged: int = 0  # duplicate threads folded into another and deleted
    comments_moved: int = 0


def threads_merge(*, into: Any, others: list[Any], thread_model: Any, comment_model: Any) -> int:
    """Fold `others` into `into`: their comments (with their replies, votes and reports)
    move over, `into` keeps the earliest creation, the latest activity, the first non-empty
    title and is closed if any was; its count is recomputed; `others` are deleted.
    Returns how many comments moved."""
    moved = comment_model.objects.filter(thread__in=others).update(thread=into)
    into.created = min([into.created, *(other.created for other in others)])
    into.last_activity = max([into.last_activity, *(other.last_activity for other in others)])
    into.title = into.title or next((other.title for other in others if other.title), "")
    into.closed = into.closed or any(other.closed for other in others)
    thread_model.objects.filter(pk__in=[other.pk for other in others]).delete()
    into.comment_count = comment_model.objects.filter(thread=into, status="published").count()
    into.save(update_fields=["created", "last_activity", "title", "closed", "comment_count"])
    return moved


def thread_urls_renormalise(*, thread_model: Any, comment_model: Any) -> Renormalised:
    """Respell every stored page URL and merge the key-less threads that become one.

    Merges first, then respells, so it also runs with the key-less URL constraint in place.
    """
    report = Renormalised()
    spelled: list[tuple[Any, str]] = []
    keyless: dict[str, list[Any]] = defaultdict(list)
    for thread in thread_model.objects.order_by("created", "id"):
        try:
            url = url_normalize(thread.url)
        except InvalidURL:
            url = thread.url
        if thread.key is None:
            keyless[url].append(thread)
        spelled.append((thread, url))
    gone: set[int] = set()
    for oldest, *others in keyless.values():
        if others:
            report.comments_moved += threads_merge(
                into=oldest, others=others, thread_model=thread_model, comment_model=comment_model
            )
            report.threads_merged += len(others)
            gone.update(other.pk for other in others)
    for thread, url in spelled:
        if thread.pk not in gone and url != thread.url:
            thread_model.objects.filter(pk=thread.pk).update(url=url)
            report.urls_changed += 1
    return report


def origins_renormalise(*, settings_model: Any) -> int:
    """Store every site's allowed origins in their ASCII form (`http://bücher.example` ->
    `http://xn--bcher-kva.example`); an entry that is no origin at all is kept as it was.
    Returns how many settings rows changed."""
    changed = 0
    for row in settings_model.objects.all():
        kept = []
        for origin in row.allowed_origins:
            try:
                kept.extend(origins_clean([origin], field="allowed_origins"))
            except ValidationError:  # not an origin at all: leave it for a person to mend
                kept.append(origin)
        kept = sorted(set(kept))
        if kept != row.allowed_origins:
            row.allowed_origins = kept
            row.save(update_fields=["allowed_origins"])
            changed += 1
    return changed
