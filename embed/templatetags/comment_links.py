"""`{{ comment|permalink }}`: a comment's link on its page, by the site's permalink pattern."""

from django import template

from embed.models import Comment
from embed.site import comment_permalink

register = template.Library()


@register.filter
def permalink(comment: Comment) -> str:
    """The link of `comment` (its thread must be loaded, or it costs a query)."""
    return comment_permalink(url=comment.thread.url, comment_id=comment.pk)
