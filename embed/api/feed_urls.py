"""The Atom feeds, under /feeds/ (see feeds)."""

from django.urls import path

from embed.api import feeds

urlpatterns = [
    path("thread.atom", feeds.thread_feed, name="feed-thread"),
    path("comments.atom", feeds.site_feed, name="feed-site"),
]
