from django.urls import path

from embed.notifications import views

urlpatterns = [
    path("confirm/<str:token>", views.confirm_view, name="mail-confirm"),
    path("unsubscribe/<str:token>", views.unsubscribe_view, name="mail-unsubscribe"),
    path("stop/<str:token>", views.stop_all_view, name="mail-stop"),
    path("moderate/<str:token>", views.moderate_view, name="mail-moderate"),
]
