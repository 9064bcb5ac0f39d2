"""Pages of the incident log. Police roles and school admins share the list and detail URLs but
never a view: each role's request goes to its own function (police.py or school.py), and the
school functions read only selectors.school_incident_* (no names, narrative or responses)."""

from sro_portal.accounts.models import Role

from . import police, school


def incident_list(request):
    if request.user.is_authenticated and request.user.role == Role.SCHOOL:
        return school.school_list(request)
    return police.police_list(request)


def incident_detail(request, pk):
    if request.user.is_authenticated and request.user.role == Role.SCHOOL:
        return school.school_detail(request, pk)
    return police.police_detail(request, pk)
