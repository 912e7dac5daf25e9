"""Page-number paging for lists (the dashboard's pages, the admin API's lists).

The widget's thread reads use keyset cursors instead (embed.selectors), because readers post
between page loads; moderators' lists are short-lived views where page numbers are expected.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, Page, Paginator
from django.http import Http404

PAGE_SIZE = 50


def page_of(items: Any, number: str | int | None, *, size: int = PAGE_SIZE, strict: bool) -> Page:
    """Page `number` (1-based, as sent: a string, an int or None) of `items`.

    strict (an API): a number that is not a positive integer raises ValidationError on the
    field `page` (400) and one past the last page raises Http404. Lenient (a page a person
    reads): the nearest page instead.
    """
    paginator = Paginator(items, size)
    if not strict:
        return paginator.get_page(number)
    try:
        wanted = int(str(number if number not in (None, "") else 1))
        if wanted < 1:
            raise ValueError
    except ValueError:
        raise ValidationError({"page": "A page number, please."}) from None
    try:
        return paginator.page(wanted)
    except EmptyPage:
        raise Http404("No such page.") from None


def page_meta(page: Page) -> dict[str, int]:
    """{"page", "pages", "count"} for an API answer."""
    return {"page": page.number, "pages": page.paginator.num_pages, "count": page.paginator.count}
