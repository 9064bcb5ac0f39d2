"""The annual program report's URLs, included in the dashboards' urlpatterns (app "dashboards"):
`dashboards:report_narrative` and `dashboards:report_start` with `?year=<first calendar year of
the school year>`; a report file's status page and its download by the file's id."""

from django.urls import path

from sro_portal.dashboards import report_views

urlpatterns = [
    path("dashboard/report/", report_views.narrative_edit, name="report_narrative"),
    path("dashboard/report/pdf/", report_views.report_start, name="report_start"),
    path("dashboard/report/files/<int:pk>/", report_views.report_file, name="report_file"),
    path(
        "dashboard/report/files/<int:pk>/pdf/",
        report_views.report_file_download,
        name="report_file_download",
    ),
]
