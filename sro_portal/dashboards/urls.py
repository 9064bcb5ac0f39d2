from django.urls import path

from sro_portal.dashboards import report_urls, views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.program, name="program"),
    # Keys of a section and of one of its tables (code names, not ids: nothing to scope).
    path("dashboard/export/<slug:section>/<slug:table>.csv", views.export, name="export"),
    # The annual program report (report_narrative, report_start, report_file, its download).
    *report_urls.urlpatterns,
]
