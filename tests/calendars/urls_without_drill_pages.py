"""A URL configuration with the calendar feed and no drill pages, for the feed's fallback."""

from django.urls import include, path

urlpatterns = [path("calendar/", include("sro_portal.calendars.urls"))]
