from django.apps import apps
from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render

from sro_portal.accounts.decorators import role_required
from sro_portal.accounts.models import Role
from sro_portal.accounts.selectors import member_qs_for
from sro_portal.audit import selectors
from sro_portal.audit.forms import AuditFilterForm

PAGE_SIZE = 50


@role_required(Role.ADMIN)
def audit_trail(request):
    """Changes to the agency's rows, and views/exports/disclosures of youth records."""
    tab = "access" if request.GET.get("tab") == "access" else "changes"
    # The members name the changes and fill the "Who" filter: their names only, not the
    # schools member_qs_for prefetches for the members page (a large agency's 600 school admins'
    # memberships and schools took most of this page's time).
    members = list(
        member_qs_for(request.user)
        .prefetch_related(None)
        .only("full_name", "email")
        .order_by("full_name", "email")
    )
    form = AuditFilterForm(request.GET or None, members=members)
    tracked_model = user_id = None
    if form.is_valid():
        tracked_model, user_id = form.tracked_model(), form.cleaned_data.get("user")
    if tab == "access":
        events = selectors.access_events_for(request.user, user_id=user_id)
    else:
        events = selectors.change_events_for(
            request.user, tracked_model=tracked_model, user_id=user_id
        )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    names = {member.pk: str(member) for member in members}
    rows = [_change_row(event, names) for event in page] if tab == "changes" else page
    return render(
        request,
        "audit/audit_trail.html",
        {
            "tab": tab,
            "form": form,
            "page": page,
            "rows": rows,
            "recorded": settings.USING_POSTGRES,
        },
    )


def _change_row(event, names: dict[int, str]) -> dict:
    context = event.pgh_context or {}
    user_id = context.get("user")
    model_label = event.pgh_obj_model
    try:
        verbose = apps.get_model(model_label)._meta.verbose_name
    except (LookupError, ValueError):
        verbose = model_label
    return {
        "at": event.pgh_created_at,
        "who": names.get(user_id, "") if user_id else "",
        "system": user_id is None,
        "label": event.pgh_label,
        "what": verbose,
        "object_id": event.pgh_obj_id,
        "diff": sorted((event.pgh_diff or {}).items()) if event.pgh_label == "update" else [],
    }
