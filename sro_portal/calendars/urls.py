from django.urls import path

from sro_portal.calendars import views

app_name = "calendars"

urlpatterns = [
    path("settings/", views.feed_settings, name="settings"),
    path("<str:token>.ics", views.feed_ics, name="feed"),
]
