"""The school admin's side of the incident log, through the real pages: the incidents of their own
schools only, as the school may see them (counts of people, never who), filters, constant queries,
and what police disclosed to them by name, on its own page, with an access event per view."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import (
    Category,
    Disclosure,
    FollowUp,
    Incident,
    Involvement,
    InvolvementRole,
    Location,
    Severity,
)
from incidents.selectors import SchoolIncident
from incidents.services import disclosure_make, disclosure_withdraw
from sro_portal.accounts.models import Role
from sro_portal.audit.models import AccessEvent
from tests.factories import SchoolMembershipFactory, StudentFactory
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

POLICE = [Role.ADMIN, Role.SUPERVISOR, Role.SRO]
NOTE = (
    "Police do not share who was involved, the police narrative or the response, "
    "except by a disclosure to you by name."
)
# 11:00 on March 10, 2026 in Edmonton.
MORNING = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)


def make_incident(world, school=None, **fields) -> Incident:
    values = {
        "occurred_at": timezone.now() - timedelta(days=2),
        "location": Location.CAFETERIA,
        "category": Category.BULLYING,
        "severity": Severity.MEDIUM,
        "school_summary": "Name-calling at lunch; the SRO spoke with the students.",
        "reported_by": "staff",
        "recorded_by": world.sro,
    }
    school = school or world.school
    return Incident.objects.create(agency=school.agency, school=school, **(values | fields))


def involve(incident, role, *, student=None, name="") -> Involvement:
    if student is None and not name:
        name = f"Someone {Involvement.objects.count()}"
    return Involvement.objects.create(
        agency=incident.agency, incident=incident, role=role, student=student, name=name
    )


def disclose(world, incident, recipient, text="The subject has a no-contact condition.", **kw):
    return disclosure_make(
        actor=world.sro,
        incident=incident,
        recipient=recipient,
        ground=kw.get("ground", Disclosure.Ground.SAFETY),
        text=text,
    )


def _listed(response) -> list[int]:
    return [incident.pk for incident in response.context["page"]]


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def _viewed(actor, incident):
    return AccessEvent.objects.filter(
        actor=actor,
        action=AccessEvent.Action.VIEWED,
        content_type=ContentType.objects.get_for_model(Incident),
        object_id=str(incident.pk),
    )


# --- Scope --------------------------------------------------------------------------------------


def test_school_admin_sees_the_incidents_of_their_own_school_only(client, world_a, world_b):
    mine = make_incident(world_a, school_summary="Mine: a locker was forced.")
    other = make_incident(world_a, world_a.other_school, school_summary="Other school's.")
    foreign = make_incident(world_b, school_summary="Another agency's.")
    signed_in(client, world_a.school_admin)

    response = client.get(reverse("incidents:list"))

    assert response.status_code == 200
    assert _listed(response) == [mine.pk]
    assert reverse("incidents:detail", args=[mine.pk]) in response.text
    assert reverse("incidents:detail", args=[other.pk]) not in response.text
    assert client.get(reverse("incidents:detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("incidents:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("incidents:detail", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("incidents:detail", args=[999_999])).status_code == 404


def test_another_agency_s_school_admin_sees_none_of_them(client, world_a, world_b):
    incident = make_incident(world_a)
    signed_in(client, world_b.school_admin)

    assert _listed(client.get(reverse("incidents:list"))) == []
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 404


def test_a_school_admin_of_two_schools_sees_both(client, world_a):
    SchoolMembershipFactory(school=world_a.other_school, user=world_a.school_admin)
    first = make_incident(world_a, occurred_at=timezone.now() - timedelta(days=3))
    second = make_incident(world_a, world_a.other_school)
    signed_in(client, world_a.school_admin)

    response = client.get(reverse("incidents:list"))

    assert _listed(response) == [second.pk, first.pk]  # newest first
    assert world_a.school.name in response.text
    assert world_a.other_school.name in response.text


def test_the_list_shows_school_incident_values_only(client, world_a):
    make_incident(world_a)
    signed_in(client, world_a.school_admin)

    page = client.get(reverse("incidents:list")).context["page"]

    assert all(type(row) is SchoolIncident for row in page)


# --- What the pages show ------------------------------------------------------------------------


def test_counts_of_people_by_role_without_who(client, world_a):
    incident = make_incident(world_a)
    involve(incident, InvolvementRole.SUBJECT, student=StudentFactory(school=world_a.school))
    involve(incident, InvolvementRole.SUBJECT, name="Someone Else")
    involve(incident, InvolvementRole.VICTIM, student=StudentFactory(school=world_a.school))
    for _ in range(3):
        involve(incident, InvolvementRole.WITNESS)
    involve(incident, InvolvementRole.REPORTER)
    quiet = make_incident(world_a, occurred_at=timezone.now() - timedelta(days=5))
    signed_in(client, world_a.school_admin)

    rows = {row.pk: row for row in client.get(reverse("incidents:list")).context["page"]}
    detail = client.get(reverse("incidents:detail", args=[incident.pk])).text

    assert (rows[incident.pk].subjects, rows[incident.pk].victims) == (2, 1)
    assert rows[incident.pk].witnesses == 3
    assert (rows[quiet.pk].subjects, rows[quiet.pk].victims, rows[quiet.pk].witnesses) == (0, 0, 0)
    assert re.search(r'id="count-subjects">2<', detail)
    assert re.search(r'id="count-victims">1<', detail)
    assert re.search(r'id="count-witnesses">3<', detail)


def test_the_detail_shows_what_the_school_may_see(client, world_a):
    incident = make_incident(
        world_a,
        occurred_at=MORNING,
        occurred_until=MORNING + timedelta(minutes=40),
        category=Category.VANDALISM,
        location=Location.WASHROOM,
        severity=Severity.HIGH,
        school_summary="Graffiti on the second-floor washroom walls.",
        narrative="The police narrative stays with police.",
        file_number="EPS-26-000123",
    )
    signed_in(client, world_a.school_admin)

    page = client.get(reverse("incidents:detail", args=[incident.pk])).text

    for value in ["Graffiti or vandalism", "Washroom", "High", "Open"]:
        assert f'<dd class="col-sm-7">{value}</dd>' in page
    for shown in [
        "Graffiti on the second-floor washroom walls.",
        world_a.school.name,
        "March 10, 2026, 11 a.m.",  # in the agency's time zone
        "March 10, 2026, 11:40 a.m.",  # until
        NOTE,
    ]:
        assert shown in page
    assert "police narrative stays" not in page
    assert "EPS-26-000123" not in page
    assert _title(page) == "Incident · SRO Portal"  # generic: tab titles outlive the page


def test_the_closing_note_shows_once_closed(client, world_a):
    incident = make_incident(
        world_a, status=Incident.Status.CLOSED, closing_note="Resolved with a restorative circle."
    )
    open_one = make_incident(world_a, closing_note="Draft note not yet for the school.")
    signed_in(client, world_a.school_admin)

    closed_page = client.get(reverse("incidents:detail", args=[incident.pk])).text
    open_page = client.get(reverse("incidents:detail", args=[open_one.pk])).text

    assert "Resolved with a restorative circle." in closed_page
    assert '<dd class="col-sm-7">Closed</dd>' in closed_page
    assert "Draft note not yet for the school." not in open_page


def test_the_pages_have_no_inline_script_or_style(client, world_a):
    # The Content-Security-Policy forbids them: they would silently not work.
    incident = make_incident(world_a)
    disclose(world_a, incident, world_a.school_admin)
    signed_in(client, world_a.school_admin)

    for url in [
        reverse("incidents:list"),
        reverse("incidents:detail", args=[incident.pk]),
        reverse("incidents:disclosures_received"),
    ]:
        page = client.get(url).text
        assert " style=" not in page
        assert not re.search(r"\son[a-z]+=", page)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


# --- Filters, pages and queries -----------------------------------------------------------------


def test_filters_by_category_and_status(client, world_a):
    bullying = make_incident(world_a, category=Category.BULLYING)
    theft = make_incident(
        world_a,
        category=Category.THEFT,
        status=Incident.Status.CLOSED,
        closing_note="Returned.",
        occurred_at=timezone.now() - timedelta(days=4),
    )
    signed_in(client, world_a.school_admin)
    url = reverse("incidents:list")

    assert _listed(client.get(url, {"category": Category.THEFT})) == [theft.pk]
    assert _listed(client.get(url, {"status": Incident.Status.OPEN})) == [bullying.pk]
    both = {"category": Category.THEFT, "status": Incident.Status.OPEN}
    assert _listed(client.get(url, both)) == []
    # Unknown values are no filter, not an error.
    assert _listed(client.get(url, {"category": "nonsense", "status": "x"})) == [
        bullying.pk,
        theft.pk,
    ]
    response = client.get(url, {"category": Category.THEFT})
    assert f'<option value="{Category.THEFT}" selected>' in response.text


def test_the_list_paginates_by_50(client, world_a):
    for n in range(51):
        make_incident(world_a, occurred_at=timezone.now() - timedelta(hours=n + 1))
    signed_in(client, world_a.school_admin)

    first = client.get(reverse("incidents:list")).context["page"]
    second = client.get(reverse("incidents:list"), {"page": 2}).context["page"]

    assert len(first.object_list) == 50
    assert len(second.object_list) == 1
    assert first.paginator.num_pages == 2


def test_list_queries_do_not_grow_with_rows(client, world_a):
    def with_people(incident):
        involve(incident, InvolvementRole.SUBJECT)
        involve(incident, InvolvementRole.WITNESS)
        return incident

    with_people(make_incident(world_a))
    signed_in(client, world_a.school_admin)
    url = reverse("incidents:list")
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200
        return len(context), len(response.context["page"].object_list)

    one, rows = count()
    assert rows == 1
    for n in range(14):
        with_people(make_incident(world_a, occurred_at=timezone.now() - timedelta(hours=n + 1)))
    assert count() == (one, 15)


# --- Disclosures --------------------------------------------------------------------------------


def test_the_disclosures_page_shows_what_was_disclosed_to_me(client, world_a):
    incident = make_incident(world_a, category=Category.THREATS, occurred_at=MORNING)
    world_a.sro.full_name = "Cst. Rowan Ashdown"
    world_a.sro.save(update_fields=["full_name"])
    disclose(
        world_a,
        incident,
        world_a.school_admin,
        text="A named student is under a no-contact order with another student.",
        ground=Disclosure.Ground.ORDER,
    )
    signed_in(client, world_a.school_admin)

    response = client.get(reverse("incidents:disclosures_received"))

    page = response.text
    assert response.status_code == 200
    for shown in [
        "A named student is under a no-contact order with another student.",
        "Compliance with a youth justice court order or bail condition",
        "Cst. Rowan Ashdown",
        "Threats",
        world_a.school.name,
        "March 10, 2026",
        "do not share it further",
        reverse("incidents:detail", args=[incident.pk]),
    ]:
        assert shown in page
    assert _title(page) == "Disclosed to you · SRO Portal"


def test_each_view_of_the_disclosures_writes_an_access_event(client, world_a):
    first = make_incident(world_a)
    second = make_incident(world_a, occurred_at=timezone.now() - timedelta(days=6))
    disclose(world_a, first, world_a.school_admin, text="One.")
    disclose(world_a, first, world_a.school_admin, text="Two, about the same incident.")
    disclose(world_a, second, world_a.school_admin, text="Three.")
    signed_in(client, world_a.school_admin)
    url = reverse("incidents:disclosures_received")

    client.get(url)

    for incident in (first, second):
        events = _viewed(world_a.school_admin, incident)
        assert events.count() == 1  # one per incident shown
        event = events.get()
        assert event.agency == world_a.agency
        assert event.detail == {"page": "disclosures"}
    client.get(url)
    assert _viewed(world_a.school_admin, first).count() == 2


def test_no_disclosure_no_access_event(client, world_a):
    make_incident(world_a)
    signed_in(client, world_a.school_admin)

    response = client.get(reverse("incidents:disclosures_received"))

    assert "Nothing is disclosed to you" in response.text
    assert not AccessEvent.objects.filter(actor=world_a.school_admin).exists()


def test_a_disclosure_to_someone_else_is_not_shown(client, world_a):
    incident = make_incident(world_a)
    colleague = SchoolMembershipFactory(school=world_a.school).user
    disclose(world_a, incident, colleague, text="For the colleague's eyes only.")
    signed_in(client, world_a.school_admin)

    page = client.get(reverse("incidents:disclosures_received")).text
    detail = client.get(reverse("incidents:detail", args=[incident.pk])).text

    assert "For the colleague's eyes only." not in page
    assert 'id="disclosure-notice"' not in detail
    assert not _viewed(world_a.school_admin, incident).exists()


def test_the_detail_links_to_my_disclosures_without_showing_them(client, world_a):
    incident = make_incident(world_a)
    untouched = make_incident(world_a)
    disclosure = disclose(world_a, incident, world_a.school_admin, text="Disclosed words here.")
    signed_in(client, world_a.school_admin)
    detail_url = reverse("incidents:detail", args=[incident.pk])

    page = client.get(detail_url).text

    assert 'id="disclosure-notice"' in page
    assert reverse("incidents:disclosures_received") in page
    assert "Disclosed words here." not in page
    other = client.get(reverse("incidents:detail", args=[untouched.pk])).text
    assert 'id="disclosure-notice"' not in other
    # Viewing the incident is not a view of the disclosure.
    assert not _viewed(world_a.school_admin, incident).exists()

    disclosure_withdraw(actor=world_a.sro, disclosure=disclosure)
    assert 'id="disclosure-notice"' not in client.get(detail_url).text


def test_a_withdrawn_disclosure_disappears(client, world_a):
    incident = make_incident(world_a)
    disclosure = disclose(world_a, incident, world_a.school_admin, text="Soon withdrawn.")
    signed_in(client, world_a.school_admin)
    url = reverse("incidents:disclosures_received")
    assert "Soon withdrawn." in client.get(url).text

    disclosure_withdraw(actor=world_a.sro, disclosure=disclosure)
    before = _viewed(world_a.school_admin, incident).count()

    assert "Soon withdrawn." not in client.get(url).text
    assert _viewed(world_a.school_admin, incident).count() == before


@pytest.mark.parametrize("role", POLICE)
def test_the_disclosures_page_is_for_school_admins(client, world_a, role):
    incident = make_incident(world_a)
    disclose(world_a, incident, world_a.school_admin, text="Not for police pages.")
    signed_in(client, world_a.users[role])

    assert client.get(reverse("incidents:disclosures_received")).status_code == 403


# --- The police pages -------------------------------------------------------------------------


def test_school_admins_get_404_on_the_police_pages_of_their_own_incidents(client, world_a):
    incident = make_incident(world_a)
    student = StudentFactory(school=world_a.school)
    person = Involvement.objects.create(
        agency=world_a.agency,
        incident=incident,
        role=InvolvementRole.SUBJECT,
        student=student,
        response="warning",
    )
    follow_up = FollowUp.objects.create(
        agency=world_a.agency,
        incident=incident,
        description="Call the parents",
        owner=world_a.sro,
        due_on=world_a.agency.today(),
    )
    disclosure = disclose(world_a, incident, world_a.school_admin)
    signed_in(client, world_a.school_admin)
    police_pages = [
        reverse("incidents:edit", args=[incident.pk]),
        reverse("incidents:status", args=[incident.pk]),
        reverse("incidents:person_add", args=[incident.pk]),
        reverse("incidents:follow_up_add", args=[incident.pk]),
        reverse("incidents:disclosure_create", args=[incident.pk]),
        reverse("incidents:person_response", args=[person.pk]),
        reverse("incidents:person_remove", args=[person.pk]),
        reverse("incidents:follow_up_done", args=[follow_up.pk]),
        reverse("incidents:disclosure_withdraw", args=[disclosure.pk]),
        reverse("incidents:student_history", args=[student.pk]),
    ]

    for url in police_pages:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"status": "closed", "closing_note": "x"}).status_code == 404, url
    for url in [reverse("incidents:create"), reverse("incidents:overdue")]:
        assert client.get(url).status_code in {403, 404}, url
    person.refresh_from_db()
    follow_up.refresh_from_db()
    disclosure.refresh_from_db()
    assert (person.response, follow_up.done_on, disclosure.withdrawn_at) == ("warning", None, None)
    assert Involvement.objects.filter(incident=incident).count() == 1
