"""Rules of the incident log checked at the service level."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import Incident
from incidents.selectors import overdue_follow_ups
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_incident_with_open_follow_ups_cannot_be_closed(world_a):
    follow_up = factories.FollowUpFactory(incident__school=world_a.school, owner=world_a.sro)
    incident = follow_up.incident
    with pytest.raises(ValidationError) as error:
        services.incident_set_status(
            actor=world_a.sro, incident=incident, status="closed", closing_note="Done."
        )
    assert "status" in error.value.message_dict
    services.follow_up_done(actor=world_a.sro, follow_up=follow_up)
    services.incident_set_status(
        actor=world_a.sro, incident=incident, status="closed", closing_note="Done."
    )
    assert Incident.objects.get(pk=incident.pk).status == "closed"


def test_no_follow_up_on_a_closed_incident(world_a):
    incident = factories.IncidentFactory(school=world_a.school, status="closed")
    with pytest.raises(ValidationError):
        services.follow_up_add(
            actor=world_a.sro,
            incident=incident,
            description="x",
            owner=world_a.sro,
            due_on=world_a.agency.today(),
        )


def test_age_is_counted_on_the_agency_s_calendar(world_a):
    # 20:00 in Edmonton on the day before the 18th birthday is 03:00 UTC on the birthday.
    student = factories.StudentFactory(school=world_a.school, date_of_birth=date(2008, 11, 20))
    incident = factories.IncidentFactory(
        school=world_a.school, occurred_at=datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    )
    person = factories.InvolvementFactory(incident=incident, student=student)
    assert person.age_at_time() == 17
    assert person.is_youth


def test_an_sro_moved_elsewhere_no_longer_sees_old_overdue_follow_ups(world_a):
    today = world_a.agency.today()
    factories.FollowUpFactory(
        incident__school=world_a.school, owner=world_a.sro, due_on=today - timedelta(days=3)
    )
    assert overdue_follow_ups(world_a.sro, today=today).count() == 1
    world_a.sro.assignments.update(ends_on=today - timedelta(days=1))
    assert overdue_follow_ups(world_a.sro, today=today).count() == 0
    assert overdue_follow_ups(world_a.supervisor, today=today).count() == 1
