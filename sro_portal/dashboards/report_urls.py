"""The annual program report's URLs, included in the dashboards' urlpatterns (app "dashboards"):
`dashboards:report_narrative` and `dashboards:report_pdf`, both with `?year=<first calendar year
of the school year>`."""

from django.urls import path

from sro_portal.dashboards import report_views

urlpatterns = [
    path("dashboard/report/", report_views.narrative_edit, name="report_narrative"),
    path("dashboard/report/pdf/", report_views.report_pdf, name="report_pdf"),
]
