from django.urls import path

from sro_portal.dashboards import views

app_name = "dashboards"

urlpatterns = [path("", views.home, name="home")]
