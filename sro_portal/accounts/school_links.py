"""The accounts core's only contact with schools: which schools an invitation may name, and a
school admin's links to their schools.

The core never imports a domain app (CONVENTIONS.md); it names the models by string.
"""

from django.apps import apps
from django.db.models import QuerySet


def _school_model():
    return apps.get_model("schools", "School")


def _membership_model():
    return apps.get_model("schools", "SchoolMembership")


def schools_of_agency(agency_id: int) -> QuerySet:
    return _school_model().objects.filter(agency_id=agency_id).select_related("board")


def set_school_links(*, user, schools) -> None:
    """Make `user`'s school links exactly `schools` (all of the user's agency)."""
    wanted = {school.pk for school in schools}
    if any(school.agency_id != user.agency_id for school in schools):
        raise ValueError("A school admin can only be linked to schools of their own agency.")
    memberships = _membership_model().objects.filter(agency_id=user.agency_id, user=user)
    memberships.exclude(school_id__in=wanted).delete()
    existing = set(memberships.values_list("school_id", flat=True))
    for school_id in sorted(wanted - existing):
        link = _membership_model()(agency_id=user.agency_id, user=user, school_id=school_id)
        link.full_clean()
        link.save()
