"""The pages e-mail links open, under /mail/ (see mail_links)."""

from django.urls import path

from embed.dashboard import mail_links

urlpatterns = [
    path("confirm/<str:token>", mail_links.confirm_view, name="mail-confirm"),
    path("unsubscribe/<str:token>", mail_links.unsubscribe_view, name="mail-unsubscribe"),
    path("stop/<str:token>", mail_links.stop_all_view, name="mail-stop"),
    path("moderate/<str:token>", mail_links.moderate_view, name="mail-moderate"),
]
