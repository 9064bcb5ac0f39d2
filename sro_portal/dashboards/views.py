"""The home page of each role, and the dashboard: one page for every role, whose audience (the
program, a school, an officer's own work) follows from the user (scope.audience_of), with the CSV
export of each of its tables."""

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from incidents.selectors import overdue_follow_ups
from officers.selectors import schools_with_coverage
from presentations.selectors import upcoming_for
from schools.models import Drill
from schools.selectors import board_qs_for, drill_qs_for
from sro_portal.accounts.decorators import recent_authentication_required, role_required
from sro_portal.accounts.models import Role
from sro_portal.accounts.selectors import invitation_qs_for, member_qs_for
from sro_portal.audit.services import export_record
from sro_portal.core.ratelimit import rate_limit
from sro_portal.dashboards import csv_export, sections
from sro_portal.dashboards.forms import DashboardFilterForm
from sro_portal.dashboards.scope import scope_for
from sro_portal.reminders.selectors import failed_reminder_qs_for


def home(request):
    user = request.user
    if user.agency_id is None:
        # Platform staff work in the Django admin only.
        return redirect("admin:index")
    schools = schools_with_coverage(user)
    context = {
        "schools": schools,
        "uncovered": [school for school in schools if not school.is_covered],
        "today": user.agency.today(),
    }
    if user.role == Role.ADMIN:
        context |= _admin_numbers(user)
    if user.is_police:
        context["overdue_follow_ups"] = overdue_follow_ups(user, today=context["today"]).count()
    if user.role in (Role.SRO, Role.SCHOOL):
        context["upcoming_drills"] = (
            drill_qs_for(user)
            .filter(status=Drill.Status.SCHEDULED, planned_at__gte=timezone.now())
            .select_related("school")
            .order_by("planned_at")[:5]
        )
        context["upcoming_presentations"] = upcoming_for(user, now=timezone.now())
    return render(request, f"dashboards/home_{user.role}.html", context)


def _admin_numbers(user) -> dict:
    by_role = member_qs_for(user).aggregate(
        **{role.value: Count("pk", filter=Q(role=role, is_active=True)) for role in Role}
    )
    pending = invitation_qs_for(user).filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return {
        "members_by_role": [(role.label, by_role[role.value]) for role in Role],
        "pending_invitations": pending.count(),
        "board_count": board_qs_for(user).count(),
        "failed_reminders": failed_reminder_qs_for(user).count(),
    }


# --- The dashboard ------------------------------------------------------------------------------


@require_GET
@never_cache
@role_required(*Role.values)
def program(request):
    """The dashboard of the user's audience, filtered by the GET form. An htmx request (a filter
    changed) gets the body fragment only: the filters and the sections."""
    user = request.user
    url = reverse("dashboards:program")
    form = DashboardFilterForm(request.GET or None, user=user, url=url)
    filters = form.filters()
    context = {"form": form, "audience": form.audience, "sections": None, "filters": filters}
    if request.GET.get("start") or request.GET.get("end"):
        undated = request.GET.copy()
        for name in ("start", "end"):
            undated.pop(name, None)
        context["clear_dates_url"] = f"{url}?{undated.urlencode()}" if undated else url
    if filters is not None:
        scope = scope_for(
            user, start=filters.start, end=filters.end, school=filters.school, params=filters.params
        )
        context |= {
            "scope": scope,
            "sections": sections.build_sections(scope),
            "query": urlencode(filters.params),
        }
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "dashboards/program.html" + ("#body" if fragment else "")
    # Errors are shown next to the fields with a 200: htmx swaps only successful answers.
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@never_cache
@role_required(*Role.values)
@recent_authentication_required
@rate_limit("export")
def export(request, section: str, table: str):
    """One table of the dashboard as CSV, with the page's filters; 404 for a table the user's
    audience does not have (or filters that do not stand). Recorded in the audit trail."""
    user = request.user
    filters = DashboardFilterForm(request.GET or None, user=user).filters()
    if filters is None:
        raise Http404
    scope = scope_for(
        user, start=filters.start, end=filters.end, school=filters.school, params=filters.params
    )
    # The table alone: a section's other tables (and their reads) are not built for it.
    found = sections.build_table(scope, section, table)
    if found is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{section}-{found.key}-{scope.start.isoformat()}-{scope.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    csv_export.write_table(found, response)
    export_record(
        actor=user,
        what=f"{section}/{found.key}",
        rows=len(found.rows),
        filters={
            "audience": str(scope.audience),
            "start": scope.start.isoformat(),
            "end": scope.end.isoformat(),
            "school": filters.school.pk if filters.school is not None else None,
            "period": filters.params.get("period", ""),
        },
    )
    return response
