"""Serves the widget scripts (/embed.js, /count.js) from widget/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
