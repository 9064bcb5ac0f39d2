"""What the incident pages refuse, and how: a clear error next to the field (or above the page),
never a 500, and nothing saved."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents import services
from incidents.forms.police import INCIDENT_ERROR_FIELDS, IncidentForm, form_error
from incidents.models import (
    Category,
    Disclosure,
    FollowUp,
    Incident,
    Involvement,
    InvolvementRole,
    Response,
)
from sro_portal.audit.models import AccessEvent
from sro_portal.reminders.models import Reminder
from tests.factories import StudentFactory
from tests.helpers import signed_in
from tests.incidents.test_police import incident_form, involve, make_incident

pytestmark = pytest.mark.django_db

# 11:00 on March 10, 2026 in Edmonton (MDT since March 8: UTC-6).
MORNING = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)


def rows() -> dict[str, int]:
    return {
        "incidents": Incident.objects.count(),
        "people": Involvement.objects.count(),
        "follow_ups": FollowUp.objects.count(),
        "disclosures": Disclosure.objects.count(),
        "reminders": Reminder.objects.count(),
    }


def _create(client, school, **extra):
    return client.post(reverse("incidents:create"), incident_form(school, **extra))


def _errors(response, form="form") -> dict:
    return {name: list(errors) for name, errors in response.context[form].errors.items()}


# --- The incident form --------------------------------------------------------------------------


def test_a_date_in_the_future_is_refused(client, world_a):
    signed_in(client, world_a.sro)
    tomorrow = world_a.agency.today() + timedelta(days=1)
    before = rows()

    response = _create(client, world_a.school, occurred_on=tomorrow.isoformat())

    assert response.status_code == 200
    assert _errors(response) == {
        "occurred_on": ["An incident cannot be recorded before it happens."]
    }
    assert "An incident cannot be recorded before it happens." in response.text
    assert rows() == before


def test_a_time_later_today_is_refused(client, world_a):
    world_a.sro.assignments.update(starts_on=date(2020, 1, 1))
    signed_in(client, world_a.sro)
    before = rows()
    with time_machine.travel(MORNING, tick=False):
        client.force_login(world_a.sro)  # the travelled-to session starts here
        response = _create(client, world_a.school, occurred_on="2026-03-10", occurred_time="15:00")
        accepted = _create(client, world_a.school, occurred_on="2026-03-10", occurred_time="10:45")
    assert _errors(response) == {
        "occurred_time": ["An incident cannot be recorded before it happens."]
    }
    assert accepted.status_code == 302
    incident = Incident.objects.get()
    assert incident.occurred_at == datetime(2026, 3, 10, 16, 45, tzinfo=UTC)  # 10:45 MDT
    assert rows() == before | {"incidents": 1}


def test_an_end_before_the_start_is_refused(client, world_a):
    signed_in(client, world_a.sro)
    before = rows()

    same_day = _create(client, world_a.school, occurred_time="12:15", until_time="11:00")
    day_before = world_a.agency.today() - timedelta(days=2)
    earlier_day = _create(
        client, world_a.school, until_on=day_before.isoformat(), until_time="13:00"
    )
    in_the_future = _create(
        client,
        world_a.school,
        until_on=(world_a.agency.today() + timedelta(days=1)).isoformat(),
        until_time="09:00",
    )
    no_time = _create(client, world_a.school, until_on=day_before.isoformat())

    assert _errors(same_day) == {"until_time": ["The end is before the start."]}
    assert _errors(earlier_day) == {"until_on": ["The end is before the start."]}
    assert _errors(in_the_future) == {"until_on": ["The end is in the future."]}
    assert _errors(no_time) == {"until_time": ["Give the time it ended, too."]}
    assert rows() == before


def test_the_service_s_time_errors_land_on_the_form_s_fields(world_a):
    """If the service refuses what the form let through (its clock moved on), the errors name
    the form's fields, not the model's."""
    form = IncidentForm(incident_form(world_a.school), actor=world_a.sro)
    assert form.is_valid(), form.errors
    typed = form.incident_fields()
    now = datetime.now(UTC)
    for fields, form_field in (
        ({"occurred_at": now + timedelta(hours=1)}, "occurred_on"),
        ({"occurred_at": now, "occurred_until": now - timedelta(hours=1)}, "until_on"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.incident_create(
                actor=world_a.sro,
                school=world_a.school,
                **(typed | fields),
            )
        form_error(form, refused.value, INCIDENT_ERROR_FIELDS)
        assert form.errors[form_field]
    assert not Incident.objects.exists()


@pytest.mark.parametrize("where", ["other_school", "other_agency"])
def test_a_school_out_of_scope_is_a_field_error(client, world_a, world_b, where):
    school = world_a.other_school if where == "other_school" else world_b.school
    signed_in(client, world_a.sro)
    before = rows()

    response = _create(client, school)

    assert response.status_code == 200
    assert list(_errors(response)) == ["school"]
    assert "Select a valid choice" in _errors(response)["school"][0]
    assert rows() == before


def test_a_supervisor_cannot_file_at_another_agency_s_school(client, world_a, world_b):
    signed_in(client, world_a.supervisor)
    before = rows()
    response = _create(client, world_b.school)
    assert list(_errors(response)) == ["school"]
    assert rows() == before


def test_an_oversized_summary_is_refused(client, world_a):
    signed_in(client, world_a.sro)
    before = rows()
    response = _create(client, world_a.school, school_summary="x" * 2001)
    assert _errors(response) == {
        "school_summary": ["Ensure this value has at most 2000 characters (it has 2001)."]
    }
    assert rows() == before


def test_missing_and_unknown_values_are_field_errors(client, world_a):
    signed_in(client, world_a.sro)
    before = rows()
    response = _create(
        client,
        world_a.school,
        occurred_on="not a date",
        occurred_time="25:99",
        category="arson",
        location="",
        file_number="F" * 41,
    )
    assert response.status_code == 200
    assert set(_errors(response)) == {
        "occurred_on",
        "occurred_time",
        "category",
        "location",
        "file_number",
    }
    assert rows() == before


def test_an_edit_into_the_future_changes_nothing(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    stored = (incident.occurred_at, incident.category, incident.school_summary)
    signed_in(client, world_a.sro)
    form = incident_form(
        world_a.school,
        occurred_on=(world_a.agency.today() + timedelta(days=3)).isoformat(),
        category=Category.THEFT,
        school_summary="Changed",
    )

    response = client.post(reverse("incidents:edit", args=[incident.pk]), form)

    assert response.status_code == 200
    assert "occurred_on" in _errors(response)
    incident.refresh_from_db()
    assert (incident.occurred_at, incident.category, incident.school_summary) == stored


def test_the_school_of_an_incident_cannot_be_changed_by_a_forged_post(client, world_a):
    incident = make_incident(world_a.school, world_a.supervisor)
    signed_in(client, world_a.supervisor)
    form = incident_form(world_a.other_school)
    response = client.post(reverse("incidents:edit", args=[incident.pk]), form)
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.school == world_a.school


# --- People involved ----------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["other_school", "other_agency"])
def test_a_student_of_another_school_or_agency_is_refused(client, world_a, world_b, where):
    school = world_a.other_school if where == "other_school" else world_b.school
    student = StudentFactory(school=school)
    incident = make_incident(world_a.school, world_a.supervisor)
    signed_in(client, world_a.supervisor)  # sees both schools of agency A
    before = rows()

    response = client.post(
        reverse("incidents:person_add", args=[incident.pk]),
        {"role": InvolvementRole.SUBJECT, "student": student.pk},
    )

    assert response.status_code == 400
    errors = _errors(response, "person_form")
    assert list(errors) == ["student"] and "Select a valid choice" in errors["student"][0]
    assert rows() == before


def test_a_student_already_on_the_incident_is_not_added_twice(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    person = involve(incident, InvolvementRole.VICTIM)
    signed_in(client, world_a.sro)
    before = rows()
    response = client.post(
        reverse("incidents:person_add", args=[incident.pk]),
        {"role": InvolvementRole.SUBJECT, "student": person.student_id},
    )
    assert response.status_code == 400
    assert list(_errors(response, "person_form")) == ["student"]
    assert rows() == before


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "student", "Choose a student, or give a name: one of the two."),
        ({"name": "  "}, "student", "Choose a student, or give a name: one of the two."),
        ({"student": "STUDENT", "name": "Also"}, "name", "not both"),
        ({"student": "STUDENT", "age": "15"}, "age", "from their date of birth"),
        ({"name": "Someone", "age": "-1"}, "age", "greater than or equal to 0"),
        ({"name": "N" * 151}, "name", "at most 150 characters"),
        ({"name": "Someone", "role": "bystander"}, "role", "Select a valid choice"),
    ],
)
def test_a_person_is_a_student_or_a_name(client, world_a, data, field, message):
    incident = make_incident(world_a.school, world_a.sro)
    student = StudentFactory(school=world_a.school)
    if data.get("student") == "STUDENT":
        data = data | {"student": student.pk}
    signed_in(client, world_a.sro)
    before = rows()

    response = client.post(
        reverse("incidents:person_add", args=[incident.pk]),
        {"role": InvolvementRole.WITNESS} | data,
    )

    assert response.status_code == 400
    errors = _errors(response, "person_form")
    assert field in errors and message in " ".join(errors[field])
    assert rows() == before


def test_a_forged_response_for_a_non_subject_is_refused(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    witness = involve(incident, InvolvementRole.WITNESS, name="Desmond Farquharson")
    victim = involve(incident, InvolvementRole.VICTIM)
    signed_in(client, world_a.sro)
    before = rows()

    for person in (witness, victim):
        response = client.post(
            reverse("incidents:person_response", args=[person.pk]),
            {"response": Response.CHARGE, "note": "forged"},
        )
        assert response.status_code == 400
        assert response.context["page_errors"] == ["Only a subject gets a response."]
        assert "Only a subject gets a response." in response.text
        person.refresh_from_db()
        assert (person.response, person.response_note) == ("", "")
    assert rows() == before


def test_a_subject_s_response_must_be_a_known_one(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    subject = involve(incident, InvolvementRole.SUBJECT, response=Response.WARNING)
    signed_in(client, world_a.sro)
    url = reverse("incidents:person_response", args=[subject.pk])

    unknown = client.post(url, {"response": "jail", "note": ""})
    too_long = client.post(url, {"response": Response.CAUTION, "note": "n" * 501})

    for response in (unknown, too_long):
        assert response.status_code == 400
        # The error shows in the subject's own form on the page.
        assert "is-invalid" in response.text
    subject.refresh_from_db()
    assert (subject.response, subject.response_note) == (Response.WARNING, "")


# --- Follow-ups, status, disclosures ------------------------------------------------------------


@pytest.mark.parametrize("owner", ["school_admin", "other_agency", "nobody"])
def test_a_follow_up_owner_is_one_of_the_agency_s_police(client, world_a, world_b, owner):
    owners = {
        "school_admin": world_a.school_admin.pk,
        "other_agency": world_b.sro.pk,
        "nobody": "",
    }
    incident = make_incident(world_a.school, world_a.sro)
    signed_in(client, world_a.sro)
    before = rows()
    response = client.post(
        reverse("incidents:follow_up_add", args=[incident.pk]),
        {
            "description": "Meet the parents",
            "owner": owners[owner],
            "due_on": world_a.agency.today().isoformat(),
        },
    )
    assert response.status_code == 400
    assert list(_errors(response, "follow_up_form")) == ["owner"]
    assert rows() == before


def test_a_follow_up_due_in_the_past_is_refused(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    signed_in(client, world_a.sro)
    before = rows()
    response = client.post(
        reverse("incidents:follow_up_add", args=[incident.pk]),
        {
            "description": "Meet the parents",
            "owner": world_a.sro.pk,
            "due_on": (world_a.agency.today() - timedelta(days=1)).isoformat(),
        },
    )
    assert _errors(response, "follow_up_form") == {"due_on": ["A follow-up is due today or later."]}
    assert rows() == before
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN


def test_closing_without_a_note_or_to_an_unknown_status_is_refused(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    signed_in(client, world_a.sro)
    url = reverse("incidents:status", args=[incident.pk])

    no_note = client.post(url, {"status": Incident.Status.CLOSED, "closing_note": ""})
    unknown = client.post(url, {"status": "archived", "closing_note": "x"})

    assert _errors(no_note, "status_form") == {"closing_note": ["Say how the incident was closed."]}
    assert list(_errors(unknown, "status_form")) == ["status"]
    incident.refresh_from_db()
    assert (incident.status, incident.closing_note) == (Incident.Status.OPEN, "")


def test_a_disclosure_needs_a_ground_and_words_within_bounds(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    signed_in(client, world_a.sro)
    url = reverse("incidents:disclosure_create", args=[incident.pk])
    before = rows()

    response = client.post(
        url, {"recipient": world_a.school_admin.pk, "ground": "curiosity", "text": "x" * 4001}
    )

    assert response.status_code == 200
    assert set(_errors(response)) == {"ground", "text"}
    assert rows() == before
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.DISCLOSED).exists()


def test_a_recipient_who_left_the_school_is_refused(client, world_a):
    """An admin unlinked from the school since the page was drawn: a field error, not a 500."""
    incident = make_incident(world_a.school, world_a.sro)
    signed_in(client, world_a.sro)
    world_a.school_admin.school_memberships.all().delete()
    response = client.post(
        reverse("incidents:disclosure_create", args=[incident.pk]),
        {
            "recipient": world_a.school_admin.pk,
            "ground": Disclosure.Ground.SAFETY,
            "text": "Keep them apart.",
        },
    )
    assert response.status_code == 200
    assert list(_errors(response)) == ["recipient"]
    assert not Disclosure.objects.exists()
