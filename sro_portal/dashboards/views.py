"""The home page of each role. Later issues add their numbers to these pages."""

from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone

from incidents.selectors import overdue_follow_ups
from officers.selectors import schools_with_coverage
from presentations.selectors import upcoming_for
from schools.models import Drill
from schools.selectors import board_qs_for, drill_qs_for
from sro_portal.accounts.models import Role
from sro_portal.accounts.selectors import invitation_qs_for, member_qs_for
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
