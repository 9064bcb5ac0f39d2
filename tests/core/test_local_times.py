"""Times are stored in UTC and shown, and typed, on the clock of the user's agency: the same
instant reads 11:45 a.m. in Halifax and 8:45 a.m. in Edmonton, with the month spelled out."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from schools.models import Drill, DrillKind
from tests import factories
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

# November: both provinces are on standard time (Halifax UTC-4, Edmonton UTC-7).
MOMENT = datetime(2026, 11, 20, 15, 45, tzinfo=UTC)


@pytest.fixture
def halifax(world_a):
    world_a.agency.time_zone = "America/Halifax"
    world_a.agency.save()
    return world_a


def test_an_incident_shows_the_local_time_of_each_agency(halifax, world_b):
    assert world_b.agency.time_zone == "America/Edmonton"
    for world, shown in (
        (halifax, "Nov. 20, 2026, 11:45 a.m."),
        (world_b, "Nov. 20, 2026, 8:45 a.m."),
    ):
        incident = factories.IncidentFactory(
            school=world.school, recorded_by=world.sro, occurred_at=MOMENT
        )
        for user in (world.sro, world.school_admin):
            page = signed_in(Client(), user).get(reverse("incidents:detail", args=[incident.pk]))
            assert page.status_code == 200
            assert shown in page.text, f"{user.role} of {world.agency.time_zone}"


def test_a_drill_typed_at_10_30_in_halifax_is_10_30_there(halifax):
    day = halifax.agency.today() + timedelta(days=2)
    client = signed_in(Client(), halifax.school_admin)
    response = client.post(
        reverse("schools:drill_create"),
        {
            "school": halifax.school.pk,
            "kind": DrillKind.EVACUATION,
            "planned_on": day.isoformat(),
            "planned_time": "10:30",
            "announced": "on",
        },
    )
    assert response.status_code == 302, response.text
    drill = Drill.objects.get()
    local = drill.planned_at.astimezone(halifax.agency.tzinfo)
    assert (local.date(), local.hour, local.minute) == (day, 10, 30)
    page = client.get(reverse("schools:drill_detail", args=[drill.pk]))
    assert "10:30 a.m." in page.text
    # The form says which clock it uses.
    assert "America/Halifax" in client.get(reverse("schools:drill_create")).text
