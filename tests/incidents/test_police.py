"""The police side of the incident log through the real pages: recording an incident, the people
involved and the responses to subjects, follow-ups with their reminders, closing, disclosures to a
named school admin, a student's incident history, and who sees which incidents. Every view of a
page that names young people writes one access event; student names stay out of URLs and flash
messages."""

from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from incidents.models import (
    Category,
    Disclosure,
    FollowUp,
    Incident,
    Involvement,
    InvolvementRole,
    Location,
    Reporter,
    Response,
)
from incidents.reminders import FOLLOW_UP_DUE
from incidents.services import disclosure_make
from sro_portal.accounts.models import Role
from sro_portal.audit.models import AccessEvent
from sro_portal.reminders.models import Reminder
from tests.factories import SchoolMembershipFactory, StudentFactory
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

POLICE = [Role.ADMIN, Role.SUPERVISOR, Role.SRO]
SUMMARY = "Two students fought in the east hallway at lunch; the SRO separated them."


# --- Helpers ------------------------------------------------------------------------------------


def make_incident(school, recorded_by, **fields) -> Incident:
    values = {
        "occurred_at": timezone.now() - timedelta(days=2),
        "location": Location.HALLWAY,
        "category": Category.ASSAULT,
        "school_summary": SUMMARY,
        "narrative": "The subject pushed the victim into the lockers.",
        "reported_by": Reporter.STAFF,
        "file_number": "EPS-2026-000123",
    }
    return Incident.objects.create(
        agency=school.agency, school=school, recorded_by=recorded_by, **(values | fields)
    )


def involve(incident, role=InvolvementRole.SUBJECT, *, student=None, **fields) -> Involvement:
    if student is None and "name" not in fields:
        student = StudentFactory(school=incident.school)
    return Involvement.objects.create(
        agency=incident.agency, incident=incident, role=role, student=student, **fields
    )


def incident_form(school, **extra) -> dict:
    yesterday = school.agency.today() - timedelta(days=1)
    return {
        "school": school.pk,
        "occurred_on": yesterday.isoformat(),
        "occurred_time": "12:15",
        "until_on": "",
        "until_time": "",
        "location": Location.CAFETERIA,
        "category": Category.ASSAULT,
        "severity": "medium",
        "school_summary": SUMMARY,
        "narrative": "Witnessed by two teachers.",
        "reported_by": Reporter.STAFF,
        "file_number": "EPS-2026-000777",
        **extra,
    }


def detail_url(incident) -> str:
    return reverse("incidents:detail", args=[incident.pk])


def viewed(incident) -> int:
    return AccessEvent.objects.filter(
        object_id=str(incident.pk),
        content_type__model="incident",
        action=AccessEvent.Action.VIEWED,
    ).count()


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- Recording an incident ----------------------------------------------------------------------


@pytest.mark.parametrize("role", POLICE)
def test_police_record_an_incident_on_the_agency_s_clock(client, world_a, role):
    signed_in(client, world_a.users[role])
    assert client.get(reverse("incidents:create")).status_code == 200
    form = incident_form(world_a.school, until_time="12:40")

    response = client.post(reverse("incidents:create"), form)

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(incident)
    yesterday = world_a.agency.today() - timedelta(days=1)
    tz = world_a.agency.tzinfo
    assert incident.occurred_at == datetime.combine(yesterday, time(12, 15), tzinfo=tz)
    assert incident.occurred_until == datetime.combine(yesterday, time(12, 40), tzinfo=tz)
    assert (incident.school, incident.recorded_by) == (world_a.school, world_a.users[role])
    assert (incident.category, incident.location, incident.severity) == (
        Category.ASSAULT,
        Location.CAFETERIA,
        "medium",
    )
    assert incident.file_number == "EPS-2026-000777"
    assert incident.status == Incident.Status.OPEN


def test_the_create_page_tells_not_to_name_students(client, world_a):
    signed_in(client, world_a.sro)
    page = client.get(reverse("incidents:create")).text
    assert "Name no student" in page


def test_police_edit_an_incident(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    signed_in(client, world_a.sro)
    url = reverse("incidents:edit", args=[incident.pk])
    page = client.get(url)
    assert page.status_code == 200 and SUMMARY in page.text
    form = incident_form(world_a.school, category=Category.THREATS, file_number="EPS-9")
    del form["school"]  # shown, not editable

    response = client.post(url, form)

    assert response.url == detail_url(incident)
    incident.refresh_from_db()
    assert (incident.category, incident.file_number) == (Category.THREATS, "EPS-9")
    assert incident.school == world_a.school


# --- People, responses, follow-ups, closing -----------------------------------------------------


def test_an_sro_files_the_whole_incident(client, world_a):
    today = world_a.agency.today()
    subject = StudentFactory(
        school=world_a.school,
        first_name="Zebulon",
        last_name="Quarrington",
        date_of_birth=today.replace(year=today.year - 16) + timedelta(days=180),
    )
    victim = StudentFactory(school=world_a.school, first_name="Philippa", last_name="Okwuosa")
    signed_in(client, world_a.sro)
    client.post(reverse("incidents:create"), incident_form(world_a.school))
    incident = Incident.objects.get()
    add_person = reverse("incidents:person_add", args=[incident.pk])

    # Two students and someone from outside the school.
    for student, role in ((subject, InvolvementRole.SUBJECT), (victim, InvolvementRole.VICTIM)):
        response = client.post(add_person, {"role": role, "student": student.pk})
        assert response.status_code == 302, response.content
        assert response.url == detail_url(incident) + "#people"
        assert "Person added to the incident." in flash(response)
    response = client.post(
        add_person,
        {
            "role": InvolvementRole.WITNESS,
            "name": "Desmond Farquharson",
            "description": "Parent waiting in the parking lot",
            "age": "44",
        },
    )
    assert response.status_code == 302
    people = {p.role: p for p in Involvement.objects.filter(incident=incident)}
    assert people[InvolvementRole.SUBJECT].student == subject
    assert people[InvolvementRole.VICTIM].student == victim
    assert (people[InvolvementRole.WITNESS].name, people[InvolvementRole.WITNESS].age) == (
        "Desmond Farquharson",
        44,
    )

    # The detail page names them, with age and the youth marker.
    page = client.get(detail_url(incident)).text
    for name in ("Zebulon Quarrington", "Philippa Okwuosa", "Desmond Farquharson"):
        assert name in page
    assert "15 years old at the time" in page
    assert page.count(">YCJA<") == 2  # the two students; the 44-year-old is no youth

    # The subject gets a response; the victim cannot (a forged post).
    subject_row = people[InvolvementRole.SUBJECT]
    response = client.post(
        reverse("incidents:person_response", args=[subject_row.pk]),
        {"response": Response.PAYOFF, "note": "Agreed to 10 hours of restorative work"},
    )
    assert response.status_code == 302
    assert "Response saved." in flash(response)
    subject_row.refresh_from_db()
    assert (subject_row.response, subject_row.response_note) == (
        Response.PAYOFF,
        "Agreed to 10 hours of restorative work",
    )
    victim_row = people[InvolvementRole.VICTIM]
    response = client.post(
        reverse("incidents:person_response", args=[victim_row.pk]),
        {"response": Response.CHARGE, "note": "forged"},
    )
    assert response.status_code == 400
    assert "Only a subject gets a response." in response.text
    victim_row.refresh_from_db()
    assert (victim_row.response, victim_row.response_note) == ("", "")

    # A follow-up, with its reminder to the owner; done, the reminder is cancelled.
    due = world_a.agency.today() + timedelta(days=7)
    response = client.post(
        reverse("incidents:follow_up_add", args=[incident.pk]),
        {"description": "Meet the parents", "owner": world_a.sro.pk, "due_on": due.isoformat()},
    )
    assert response.status_code == 302
    follow_up = FollowUp.objects.get()
    assert (follow_up.incident, follow_up.owner, follow_up.due_on) == (incident, world_a.sro, due)
    reminder = Reminder.objects.get(kind=FOLLOW_UP_DUE, object_id=str(follow_up.pk))
    assert (reminder.recipient, reminder.state) == (world_a.sro, Reminder.State.PENDING)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.FOLLOW_UP

    response = client.post(reverse("incidents:follow_up_done", args=[follow_up.pk]))
    assert response.url == detail_url(incident) + "#follow-ups"
    follow_up.refresh_from_db()
    assert follow_up.done_on == world_a.agency.today()
    reminder.refresh_from_db()
    assert reminder.state == Reminder.State.CANCELLED

    # Closing needs a note.
    status_url = reverse("incidents:status", args=[incident.pk])
    response = client.post(status_url, {"status": Incident.Status.CLOSED, "closing_note": " "})
    assert response.status_code == 400
    assert "Say how the incident was closed." in response.text
    incident.refresh_from_db()
    assert incident.status == Incident.Status.FOLLOW_UP
    response = client.post(
        status_url, {"status": Incident.Status.CLOSED, "closing_note": "Restorative circle held."}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.closing_note) == (
        Incident.Status.CLOSED,
        "Restorative circle held.",
    )


def test_no_url_or_flash_message_names_a_student(client, world_a):
    student = StudentFactory(school=world_a.school, first_name="Zebulon", last_name="Quarrington")
    incident = make_incident(world_a.school, world_a.sro)
    signed_in(client, world_a.sro)
    responses = [
        client.post(
            reverse("incidents:person_add", args=[incident.pk]),
            {"role": InvolvementRole.SUBJECT, "student": student.pk},
        )
    ]
    person = Involvement.objects.get()
    responses.append(
        client.post(
            reverse("incidents:person_response", args=[person.pk]),
            {"response": Response.WARNING, "note": ""},
        )
    )
    responses.append(client.post(reverse("incidents:person_remove", args=[person.pk])))
    for response in responses:
        assert response.status_code == 302
        for text in [response.url, *flash(response), str(response.cookies)]:
            assert "Zebulon" not in text and "Quarrington" not in text
    assert not Involvement.objects.exists()


def test_removing_a_person_takes_a_post_and_asks_first(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    person = involve(incident, InvolvementRole.WITNESS)
    signed_in(client, world_a.sro)
    url = reverse("incidents:person_remove", args=[person.pk])

    assert 'data-confirm="Remove this person' in client.get(detail_url(incident)).text
    assert client.get(url).status_code == 302  # back to the incident, nothing removed
    assert Involvement.objects.filter(pk=person.pk).exists()
    client.post(url)
    assert not Involvement.objects.filter(pk=person.pk).exists()


def test_the_response_form_is_shown_for_subjects_only(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    subject = involve(incident, InvolvementRole.SUBJECT)
    victim = involve(incident, InvolvementRole.VICTIM)
    signed_in(client, world_a.sro)
    page = client.get(detail_url(incident)).text
    assert reverse("incidents:person_response", args=[subject.pk]) in page
    assert reverse("incidents:person_response", args=[victim.pk]) not in page


def test_the_student_choice_is_scoped_to_the_incident_s_school(client, world_a, world_b):
    incident = make_incident(world_a.school, world_a.supervisor)
    here = StudentFactory(school=world_a.school, first_name="Heremina")
    elsewhere = StudentFactory(school=world_a.other_school, first_name="Elsewhereton")
    abroad = StudentFactory(school=world_b.school, first_name="Abroadina")
    signed_in(client, world_a.supervisor)  # sees both schools of the agency
    form = client.get(detail_url(incident)).context["person_form"]
    assert list(form.fields["student"].queryset) == [here]
    page = client.get(detail_url(incident)).text
    assert "Heremina" in page
    assert elsewhere.first_name not in page and abroad.first_name not in page


def test_overdue_follow_ups_are_marked_and_listed(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    today = world_a.agency.today()
    late = FollowUp.objects.create(
        agency=world_a.agency,
        incident=incident,
        description="Call the parents back",
        owner=world_a.sro,
        due_on=today - timedelta(days=3),
    )
    FollowUp.objects.create(
        agency=world_a.agency,
        incident=incident,
        description="Supervisor's own task",
        owner=world_a.supervisor,
        due_on=today - timedelta(days=1),
    )
    signed_in(client, world_a.sro)
    assert ">Overdue<" in client.get(detail_url(incident)).text
    listing = client.get(reverse("incidents:list")).text
    assert reverse("incidents:overdue") in listing and "Overdue follow-ups" in listing

    page = client.get(reverse("incidents:overdue")).text
    assert "Call the parents back" in page and "3 days late" in page
    assert "Supervisor&#x27;s own task" not in page  # an SRO sees their own
    response = client.post(reverse("incidents:follow_up_done", args=[late.pk]), {"back": "overdue"})
    assert response.url == reverse("incidents:overdue")
    assert "Call the parents back" not in client.get(reverse("incidents:overdue")).text

    client.logout()
    signed_in(client, world_a.supervisor)
    assert "Supervisor&#x27;s own task" in client.get(reverse("incidents:overdue")).text


def test_marking_a_follow_up_done_twice_says_so(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    follow_up = FollowUp.objects.create(
        agency=world_a.agency,
        incident=incident,
        description="Check in",
        owner=world_a.sro,
        due_on=world_a.agency.today(),
        done_on=world_a.agency.today(),
    )
    signed_in(client, world_a.sro)
    response = client.post(reverse("incidents:follow_up_done", args=[follow_up.pk]))
    assert flash(response) == ["This follow-up is already done."]


# --- Access events ------------------------------------------------------------------------------


def test_each_view_of_the_detail_writes_exactly_one_access_event(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    involve(incident, InvolvementRole.SUBJECT)
    involve(incident, InvolvementRole.VICTIM)
    signed_in(client, world_a.supervisor)
    before = AccessEvent.objects.count()

    assert client.get(detail_url(incident)).status_code == 200
    assert AccessEvent.objects.count() == before + 1
    assert viewed(incident) == 1
    event = AccessEvent.objects.latest("id")
    assert (event.actor, event.agency) == (world_a.supervisor, world_a.agency)

    client.get(detail_url(incident))
    assert viewed(incident) == 2
    assert AccessEvent.objects.count() == before + 2


def test_the_list_and_the_forms_write_no_access_event(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    involve(incident)
    signed_in(client, world_a.sro)
    client.get(reverse("incidents:list"))
    client.get(reverse("incidents:edit", args=[incident.pk]))
    client.get(reverse("incidents:create"))
    assert AccessEvent.objects.count() == 0


def test_student_history_lists_roles_and_responses_and_records_the_view(client, world_a):
    student = StudentFactory(school=world_a.school)
    first = make_incident(world_a.school, world_a.sro, category=Category.THEFT)
    second = make_incident(world_a.school, world_a.sro, category=Category.THREATS)
    involve(first, InvolvementRole.SUBJECT, student=student, response=Response.CAUTION)
    involve(second, InvolvementRole.VICTIM, student=student)
    make_incident(world_a.school, world_a.sro, category=Category.WEAPONS)  # not involved
    signed_in(client, world_a.sro)

    response = client.get(reverse("incidents:student_history", args=[student.pk]))

    assert response.status_code == 200
    page = response.text
    assert "Robbery or theft" in page and "Threats" in page and "Weapons" not in page
    assert "Caution" in page and "Victim" in page
    events = AccessEvent.objects.filter(content_type__model="student", object_id=str(student.pk))
    assert events.count() == 1
    assert AccessEvent.objects.count() == 1


# --- Who sees which incidents -------------------------------------------------------------------


@pytest.fixture
def three_incidents(world_a, world_b):
    return {
        "here": make_incident(world_a.school, world_a.supervisor, school_summary="At the school"),
        "other": make_incident(
            world_a.other_school, world_a.supervisor, school_summary="At the other school"
        ),
        "abroad": make_incident(world_b.school, world_b.supervisor, school_summary="Abroad"),
    }


def _listed(client) -> set[int]:
    response = client.get(reverse("incidents:list"))
    assert response.status_code == 200
    return {incident.id for incident in response.context["page"]}


def test_an_sro_sees_the_incidents_of_their_schools_only(client, world_a, three_incidents):
    signed_in(client, world_a.sro)
    assert _listed(client) == {three_incidents["here"].pk}
    assert client.get(detail_url(three_incidents["here"])).status_code == 200
    assert client.get(detail_url(three_incidents["other"])).status_code == 404
    assert client.get(detail_url(three_incidents["abroad"])).status_code == 404


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_supervisors_and_admins_see_the_agency_s_incidents_only(
    client, world_a, three_incidents, role
):
    signed_in(client, world_a.users[role])
    assert _listed(client) == {three_incidents["here"].pk, three_incidents["other"].pk}
    assert client.get(detail_url(three_incidents["other"])).status_code == 200
    assert client.get(detail_url(three_incidents["abroad"])).status_code == 404


def test_the_list_filters_by_school_category_status_and_dates(client, world_a):
    today = world_a.agency.today()
    tz = world_a.agency.tzinfo
    theft = make_incident(
        world_a.school,
        world_a.supervisor,
        category=Category.THEFT,
        occurred_at=datetime.combine(today - timedelta(days=10), time(9), tzinfo=tz),
    )
    fight = make_incident(
        world_a.other_school,
        world_a.supervisor,
        status=Incident.Status.CLOSED,
        closing_note="Done",
        occurred_at=datetime.combine(today - timedelta(days=2), time(23, 30), tzinfo=tz),
    )
    signed_in(client, world_a.supervisor)
    url = reverse("incidents:list")

    def listed(**params):
        return {i.id for i in client.get(url, params).context["page"]}

    assert listed() == {theft.pk, fight.pk}
    assert listed(school=world_a.school.pk) == {theft.pk}
    assert listed(category=Category.ASSAULT) == {fight.pk}
    assert listed(status=Incident.Status.CLOSED) == {fight.pk}
    # Dates are the agency's days: 23:30 on a day is still that day, not the next (UTC) one.
    day = (today - timedelta(days=2)).isoformat()
    assert listed(date_from=day, date_to=day) == {fight.pk}
    assert listed(date_to=(today - timedelta(days=3)).isoformat()) == {theft.pk}
    # Values that do not parse are shown as errors and ignored, never a 500.
    response = client.get(url, {"school": "abc", "category": "nope", "date_from": "31/31/2026"})
    assert response.status_code == 200
    assert {i.id for i in response.context["page"]} == {theft.pk, fight.pk}


def test_the_name_search_is_posted_kept_out_of_the_url_and_finds_the_incident(client, world_a):
    student = StudentFactory(school=world_a.school, first_name="Zebulon", last_name="Quarrington")
    found = make_incident(world_a.school, world_a.sro)
    involve(found, InvolvementRole.SUBJECT, student=student)
    other = make_incident(world_a.school, world_a.sro)
    involve(other, InvolvementRole.SUBJECT)
    signed_in(client, world_a.sro)
    url = reverse("incidents:list")

    response = client.post(f"{url}?category={Category.ASSAULT}&page=2", {"q": "quarrington"})

    assert response.status_code == 302
    assert response.url == f"{url}?category={Category.ASSAULT}"
    assert "uarrington" not in response.url.lower() and "zebulon" not in response.url.lower()
    # Searched from an older page of the list: the results start at the newest again.
    from_older = client.post(f"{url}?after=2026-01-01T00:00:00%2B00:00~5", {"q": "quarrington"})
    assert from_older.url == url
    listing = client.get(response.url)
    assert {i.id for i in listing.context["page"]} == {found.pk}
    assert 'value="quarrington"' in listing.text  # the box shows what is searched
    # Incidents found by a name are a view of each (the list shows no names otherwise).
    assert viewed(found) == 1 and viewed(other) == 0

    # A name nobody has finds nothing; an empty search shows everything again.
    client.post(url, {"q": "Nobodyhasthisname"})
    assert list(client.get(url).context["page"]) == []
    client.post(url, {"q": ""})
    assert {i.id for i in client.get(url).context["page"]} == {found.pk, other.pk}


def test_each_word_of_the_name_search_must_match(client, world_a):
    student = StudentFactory(school=world_a.school, first_name="Zebulon", last_name="Quarrington")
    StudentFactory(school=world_a.school, first_name="Zebulon", last_name="Smith")
    found = make_incident(world_a.school, world_a.sro)
    involve(found, InvolvementRole.SUBJECT, student=student)
    signed_in(client, world_a.sro)
    url = reverse("incidents:list")
    client.post(url, {"q": "zebulon QUARR"})
    assert [i.id for i in client.get(url).context["page"]] == [found.pk]
    client.post(url, {"q": "Zebulon Smith"})  # a student, but in no incident
    assert list(client.get(url).context["page"]) == []
    client.post(url, {"q": "Quarrington Smith"})  # each word a different student
    assert list(client.get(url).context["page"]) == []
    # The incident found was recorded as viewed once, as an incident of the agency.
    event = AccessEvent.objects.get()
    assert (event.object_id, event.agency_id) == (str(found.pk), world_a.agency.pk)
    assert event.content_type.model == "incident"


def test_the_list_names_nobody_and_counts_people_by_role(client, world_a):
    student = StudentFactory(school=world_a.school, first_name="Zebulon", last_name="Quarrington")
    incident = make_incident(world_a.school, world_a.sro)
    involve(incident, InvolvementRole.SUBJECT, student=student)
    involve(incident, InvolvementRole.SUBJECT)
    involve(incident, InvolvementRole.WITNESS, name="Desmond Farquharson")
    signed_in(client, world_a.sro)
    page = client.get(reverse("incidents:list")).text
    assert "Zebulon" not in page and "Quarrington" not in page and "Desmond" not in page
    assert "2 subj. · 0 vict. · 1 witn." in page


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_list_writes_each_moment_as_the_date_filter_does(client, world_a, language):
    # The view formats the dates of the rows (each day's part once): the text must be what
    # |date:"DATETIME_FORMAT" writes, on the agency's clock, in each language.
    tz = world_a.agency.tzinfo
    moments = [
        datetime(2025, 9, 14, 0, 0, tzinfo=tz),  # midnight
        datetime(2025, 9, 14, 12, 0, tzinfo=tz),  # noon
        datetime(2025, 9, 14, 0, 30, tzinfo=tz),
        datetime(2025, 9, 14, 23, 59, tzinfo=tz),
        datetime(2025, 3, 9, 3, 15, tzinfo=tz),  # the morning the clocks go forward
        datetime(2025, 11, 2, 1, 30, tzinfo=tz, fold=1),  # the hour they go back
        datetime(2025, 5, 1, 9, 5, tzinfo=tz),
        datetime(2024, 7, 31, 17, 45, tzinfo=tz),
    ]
    for moment in moments:
        make_incident(world_a.school, world_a.supervisor, occurred_at=moment)
    world_a.supervisor.language = language
    world_a.supervisor.save()
    page = signed_in(client, world_a.supervisor).get(reverse("incidents:list")).text

    date_filter = engines["django"].from_string('{{ moment|date:"DATETIME_FORMAT" }}')
    with translation.override(language), timezone.override(tz):
        for moment in moments:
            assert f">{date_filter.render({'moment': moment})}</a>" in page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_list_takes_as_many_queries_for_15_incidents_as_for_1(client, world_a):
    def add_incident(n):
        school = world_a.school if n % 2 else world_a.other_school
        incident = make_incident(school, world_a.supervisor, category=Category.THEFT)
        involve(incident, InvolvementRole.SUBJECT)
        involve(incident, InvolvementRole.WITNESS, name=f"Witness {n}")
        FollowUp.objects.create(
            agency=world_a.agency,
            incident=incident,
            description="x",
            owner=world_a.sro,
            due_on=world_a.agency.today(),
        )

    add_incident(0)
    signed_in(client, world_a.supervisor)
    url = reverse("incidents:list")
    client.get(url)  # warm-up: session, content types
    one = _queries(client, url)
    for n in range(1, 15):
        add_incident(n)
    assert _queries(client, url) == one


def test_the_detail_takes_as_many_queries_for_10_people_as_for_1(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    involve(incident, InvolvementRole.SUBJECT, response=Response.WARNING)

    def follow_up():
        FollowUp.objects.create(
            agency=world_a.agency,
            incident=incident,
            description="x",
            owner=world_a.sro,
            due_on=world_a.agency.today(),
        )

    follow_up()
    disclosure_make(
        actor=world_a.sro,
        incident=incident,
        recipient=world_a.school_admin,
        ground=Disclosure.Ground.SAFETY,
        text="Keep them apart.",
    )
    signed_in(client, world_a.sro)
    url = detail_url(incident)
    client.get(url)
    one = _queries(client, url)
    for n in range(9):
        role = [InvolvementRole.SUBJECT, InvolvementRole.VICTIM, InvolvementRole.WITNESS][n % 3]
        if n % 2:
            involve(incident, role)
        else:
            involve(incident, role, name=f"Outsider {n}", age=30 + n)
        follow_up()
    assert Involvement.objects.filter(incident=incident).count() == 10
    assert _queries(client, url) == one


# --- Disclosures --------------------------------------------------------------------------------


def _disclose(client, incident, recipient_pk, **extra):
    return client.post(
        reverse("incidents:disclosure_create", args=[incident.pk]),
        {
            "recipient": recipient_pk,
            "ground": Disclosure.Ground.SAFETY,
            "text": "The subject must not approach the victim at school.",
            **extra,
        },
    )


def test_an_sro_discloses_to_the_school_s_admin_and_withdraws_it(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    signed_in(client, world_a.sro)
    page = client.get(reverse("incidents:disclosure_create", args=[incident.pk]))
    assert page.status_code == 200
    assert "125(6)" in page.text and "audit trail" in page.text
    assert list(page.context["form"].fields["recipient"].queryset) == [world_a.school_admin]

    response = _disclose(client, incident, world_a.school_admin.pk)

    assert response.status_code == 302
    assert response.url == detail_url(incident) + "#disclosures"
    disclosure = Disclosure.objects.get()
    assert (disclosure.recipient, disclosure.disclosed_by, disclosure.ground) == (
        world_a.school_admin,
        world_a.sro,
        Disclosure.Ground.SAFETY,
    )
    logged = AccessEvent.objects.get(action=AccessEvent.Action.DISCLOSED)
    assert (logged.actor, logged.object_id) == (world_a.sro, str(incident.pk))
    detail = client.get(detail_url(incident)).text
    assert "The subject must not approach the victim at school." in detail
    assert "The safety of staff, students or other persons" in detail

    withdraw = reverse("incidents:disclosure_withdraw", args=[disclosure.pk])
    assert 'data-confirm="Withdraw this disclosure?' in detail
    response = client.post(withdraw)
    assert response.url == detail_url(incident) + "#disclosures"
    disclosure.refresh_from_db()
    assert (disclosure.withdrawn_by, disclosure.is_active) == (world_a.sro, False)
    assert "Withdrawn" in client.get(detail_url(incident)).text
    # Twice: said, not a 500.
    assert flash(client.post(withdraw)) == ["This disclosure was already withdrawn."]


def test_a_disclosure_goes_only_to_an_admin_of_the_incident_s_school(client, world_a, world_b):
    incident = make_incident(world_a.school, world_a.supervisor)
    other_school_admin = SchoolMembershipFactory(school=world_a.other_school).user
    signed_in(client, world_a.supervisor)
    for recipient in (other_school_admin, world_b.school_admin, world_a.sro):
        response = _disclose(client, incident, recipient.pk)
        assert response.status_code == 200
        assert response.context["form"].errors["recipient"]
    assert not Disclosure.objects.exists()
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.DISCLOSED).exists()


# --- School admins ------------------------------------------------------------------------------


def test_school_admins_get_403_on_create_and_404_on_every_id_page(client, world_a):
    student = StudentFactory(school=world_a.school)
    incident = make_incident(world_a.school, world_a.sro)
    person = involve(incident, InvolvementRole.SUBJECT, student=student)
    follow_up = FollowUp.objects.create(
        agency=world_a.agency,
        incident=incident,
        description="x",
        owner=world_a.sro,
        due_on=world_a.agency.today(),
    )
    disclosure = disclosure_make(
        actor=world_a.sro,
        incident=incident,
        recipient=world_a.school_admin,
        ground=Disclosure.Ground.SAFETY,
        text="x",
    )
    signed_in(client, world_a.school_admin)

    assert client.get(reverse("incidents:create")).status_code == 403
    create = client.post(reverse("incidents:create"), incident_form(world_a.school))
    assert create.status_code == 403
    assert client.get(reverse("incidents:overdue")).status_code == 403
    id_pages = [
        ("incidents:edit", incident),
        ("incidents:status", incident),
        ("incidents:person_add", incident),
        ("incidents:follow_up_add", incident),
        ("incidents:disclosure_create", incident),
        ("incidents:student_history", student),
        ("incidents:person_response", person),
        ("incidents:person_remove", person),
        ("incidents:follow_up_done", follow_up),
        ("incidents:disclosure_withdraw", disclosure),
    ]
    forged = {
        "role": InvolvementRole.WITNESS,
        "name": "Forged",
        "status": Incident.Status.CLOSED,
        "closing_note": "Forged",
        "response": Response.NO_ACTION,
        "recipient": world_a.school_admin.pk,
        "ground": Disclosure.Ground.SAFETY,
        "text": "Forged",
    }
    for name, obj in id_pages:
        url = reverse(name, args=[obj.pk])
        assert client.get(url).status_code == 404, name
        assert client.post(url, forged).status_code == 404, name
    assert Incident.objects.count() == 1
    assert Involvement.objects.count() == 1
    assert FollowUp.objects.get().done_on is None
    assert Disclosure.objects.get().is_active
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN


def test_other_agency_ids_answer_404_to_police(client, world_a, world_b):
    student = StudentFactory(school=world_b.school)
    incident = make_incident(world_b.school, world_b.sro)
    person = involve(incident, InvolvementRole.SUBJECT, student=student)
    follow_up = FollowUp.objects.create(
        agency=world_b.agency,
        incident=incident,
        description="x",
        owner=world_b.sro,
        due_on=world_b.agency.today(),
    )
    disclosure = disclosure_make(
        actor=world_b.sro,
        incident=incident,
        recipient=world_b.school_admin,
        ground=Disclosure.Ground.SAFETY,
        text="x",
    )
    pages = {
        "incidents:detail": incident,
        "incidents:edit": incident,
        "incidents:status": incident,
        "incidents:person_add": incident,
        "incidents:follow_up_add": incident,
        "incidents:disclosure_create": incident,
        "incidents:student_history": student,
        "incidents:person_response": person,
        "incidents:person_remove": person,
        "incidents:follow_up_done": follow_up,
        "incidents:disclosure_withdraw": disclosure,
    }
    for role in POLICE:
        client.logout()
        signed_in(client, world_a.users[role])
        for name, obj in pages.items():
            url = reverse(name, args=[obj.pk])
            assert client.get(url).status_code == 404, (role, name)
            assert client.post(url, {"status": "closed", "closing_note": "x"}).status_code == 404
    assert Involvement.objects.filter(pk=person.pk).exists()
    assert Disclosure.objects.get().is_active
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN


def test_an_sro_cannot_reach_a_student_of_another_school(client, world_a):
    student = StudentFactory(school=world_a.other_school)
    signed_in(client, world_a.sro)
    url = reverse("incidents:student_history", args=[student.pk])
    assert client.get(url).status_code == 404
    assert AccessEvent.objects.count() == 0


def test_the_incident_form_offers_only_the_user_s_schools(client, world_a, world_b):
    signed_in(client, world_a.sro)
    form = client.get(reverse("incidents:create")).context["form"]
    assert list(form.fields["school"].queryset) == [world_a.school]
    assert form["school"].value() == world_a.school.pk  # the only one: chosen already


def test_follow_up_owners_are_the_agency_s_police(client, world_a, world_b):
    incident = make_incident(world_a.school, world_a.sro)
    signed_in(client, world_a.sro)
    form = client.get(detail_url(incident)).context["follow_up_form"]
    owners = set(form.fields["owner"].queryset)
    assert owners == {world_a.admin, world_a.supervisor, world_a.sro}


def test_dates_of_birth_and_ages_are_shown_for_students(client, world_a):
    incident = make_incident(world_a.school, world_a.sro)
    today = world_a.agency.today()
    student = StudentFactory(school=world_a.school, date_of_birth=date(today.year - 20, 1, 1))
    involve(incident, InvolvementRole.WITNESS, student=student)
    signed_in(client, world_a.sro)
    page = client.get(detail_url(incident)).text
    assert f"born {formats.date_format(student.date_of_birth, 'DATE_FORMAT')}" in page
    assert ">YCJA<" not in page  # 19 or 20 at the time: no youth
