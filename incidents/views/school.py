"""Pages of the incident log for school admins.

What a school admin sees of an incident comes only from `selectors.school_incident_*`, as
`SchoolIncident` values: category, time, place, severity, status, the summary written for the
school, the closing note and counts of the people involved by role. Never who was involved, the
police narrative, the file number or a response (DESIGN.md, privacy rules). What police disclosed
to the admin by name is shown on its own page (`disclosures_received`), never on the incident's,
and each view of it writes an access event: the disclosed text may name a youth.
"""

from django.core.paginator import Paginator
from django.shortcuts import render

from incidents import selectors
from incidents.models import Category, Incident
from incidents.selectors import SchoolIncident
from sro_portal.accounts.decorators import role_required
from sro_portal.accounts.models import Role
from sro_portal.audit.services import access_record_many

PAGE_SIZE = 50


def _choice(request, name: str, choices) -> str:
    """The GET parameter `name` if it is one of `choices`' values, else "" (no filter)."""
    value = request.GET.get(name, "")
    return value if value in choices.values else ""


@role_required(Role.SCHOOL)
def school_list(request):
    """The incidents at the admin's schools, newest first, filtered by category and status."""
    category = _choice(request, "category", Category)
    status = _choice(request, "status", Incident.Status)
    rows = selectors.school_incident_qs(request.user)
    if category:
        rows = rows.filter(category=category)
    if status:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [SchoolIncident(*row) for row in page.object_list]
    return render(
        request,
        "incidents/school_list.html",
        {
            "page": page,
            "category": category,
            "status": status,
            "categories": Category.choices,
            "statuses": Incident.Status.choices,
        },
    )


def school_detail(request, pk):
    """One incident as the school may see it (404 outside the admin's schools)."""
    incident = selectors.school_incident_get(user=request.user, pk=pk)
    has_disclosures = selectors.disclosures_to(request.user).filter(incident_id=pk).exists()
    return render(
        request,
        "incidents/school_detail.html",
        {"incident": incident, "has_disclosures": has_disclosures},
    )


@role_required(Role.SCHOOL)
def disclosures_received(request):
    """What police disclosed to this admin by name and have not withdrawn. Each view is a view
    of the incidents' youth records: one access event per incident shown."""
    page = Paginator(selectors.disclosures_to(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    incidents = {disclosure.incident_id: disclosure.incident for disclosure in page}
    access_record_many(
        actor=request.user, objs=list(incidents.values()), detail={"page": "disclosures"}
    )
    return render(request, "incidents/school_disclosures.html", {"page": page})
