"""The benchmark's URL conf (bench.settings): every real URL, plus two benchmark-only pieces.

- `bench/hello/`: the minimal view, a hello-world through the same middleware as every page
  (signed in: session, user, MFA check, agency time zone, CSP...). Its time is the floor of
  every page.
- `bench/admin/`: a separate AdminSite registering ModelAdmins for Activity, Incident,
  Agreement, Drill and Presentation, showing the rows of the benchmark's large agency only, 50
  a page like the portal's lists: the "peer" of each list page (the Django admin changelist of
  the same model over the same rows). Platform staff (a superuser) sign in to it.
"""

import functools

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path

from incidents.models import Incident
from officers.models import Activity
from payoff.models import Agreement
from presentations.models import Presentation
from schools.models import Drill
from sro_portal import rls
from sro_portal import urls as portal_urls
from sro_portal.accounts.models import Agency


def hello(request):
    return HttpResponse("Hello, world", content_type="text/plain")


@login_not_required
def hello_anonymous(request):
    return HttpResponse("Hello, world", content_type="text/plain")


class BenchAdminSite(admin.AdminSite):
    site_header = "SRO Portal benchmark: peer changelists"


bench_admin = BenchAdminSite(name="bench_admin")


@functools.cache
def bench_agency_id() -> int:
    """Looked up once per process: a filter on agency__slug would join the agency table and
    keep PostgreSQL from using the (agency_id, ...) indexes, which the portal's pages use."""
    return Agency.objects.values_list("pk", flat=True).get(slug=settings.BENCH_AGENCY_SLUG)


class OneAgencyAdmin(admin.ModelAdmin):
    """The rows of the benchmark's large agency, 50 a page."""

    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).filter(agency_id=bench_agency_id())

    def changelist_view(self, request, extra_context=None):
        # Platform staff have no agency, so the row-level security middleware sets none and the
        # application role would see no row: the large agency is set here, as the middleware
        # sets a user's, and the page rendered inside (a TemplateResponse renders after the
        # view returns, when its queries run).
        with rls.agency(bench_agency_id()):
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response


@admin.register(Activity, site=bench_admin)
class ActivityAdmin(OneAgencyAdmin):
    list_display = ["date", "officer", "school", "category", "minutes", "students_reached"]
    list_select_related = ["officer", "school"]


@admin.register(Incident, site=bench_admin)
class IncidentAdmin(OneAgencyAdmin):
    list_display = ["occurred_at", "school", "category", "location", "severity", "status"]
    list_select_related = ["school"]


@admin.register(Agreement, site=bench_admin)
class AgreementAdmin(OneAgencyAdmin):
    list_display = ["id", "student", "school", "basis", "status", "starts_on", "due_on"]
    list_select_related = ["student", "school"]


@admin.register(Drill, site=bench_admin)
class DrillAdmin(OneAgencyAdmin):
    list_display = ["planned_at", "school", "kind", "status", "announced"]
    list_select_related = ["school"]


@admin.register(Presentation, site=bench_admin)
class PresentationAdmin(OneAgencyAdmin):
    list_display = ["id", "school", "topic", "status", "scheduled_at", "requested_by"]
    list_select_related = ["school", "topic", "requested_by"]


urlpatterns = [
    path("bench/hello/", hello, name="bench_hello"),
    path("bench/hello-anonymous/", hello_anonymous, name="bench_hello_anonymous"),
    path("bench/admin/", bench_admin.urls),
    *portal_urls.urlpatterns,
]

handler400 = portal_urls.handler400
handler403 = portal_urls.handler403
handler404 = portal_urls.handler404
handler500 = portal_urls.handler500
