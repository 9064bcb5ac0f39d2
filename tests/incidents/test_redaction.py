"""The key privacy test of the incident log: a school admin never sees who was involved in an
incident, the police narrative, the file number or the responses (DESIGN.md, privacy rules), on
any page they can reach, except what police disclosed to them by name, on the disclosures page,
until it is withdrawn.

The sweep walks incidents/urls.py, so a page added there later is covered without editing this
file: each URL is requested with every id that names something of the incident (the incident, its
people, their students, its follow-ups and disclosures), by GET, by htmx GET and by POST.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.urls import URLPattern, reverse
from django.utils import formats, timezone

from incidents import urls as incident_urls
from incidents.models import (
    Category,
    Disclosure,
    FollowUp,
    Incident,
    Involvement,
    InvolvementRole,
    Location,
    Response,
)
from incidents.services import disclosure_make, disclosure_withdraw
from tests.factories import SchoolMembershipFactory, StudentFactory
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

NARRATIVE_PHRASE = "purple heron behind the bleachers"
FILE_NUMBER = "EPS-2026-4471902"
OUTSIDER_NAME = "Desmond Farquharson"
OUTSIDER_DESCRIPTION = "tall man in a mustard parka"
RESPONSE_NOTE = "Escorted home by Constable Wexley-Abara"
# Responses whose labels appear nowhere else on a school admin's pages.
STUDENT_RESPONSE = Response.CHARGE  # "Charge recommended"
OUTSIDER_RESPONSE = Response.CAUTION  # "Caution"
SUMMARY = "A fight in the east hallway at lunch; the SRO separated the students."
FORGED_POST = {
    "role": InvolvementRole.WITNESS,
    "name": "Forged Person",
    "response": Response.NO_ACTION,
    "note": "forged",
    "status": Incident.Status.CLOSED,
    "closing_note": "forged",
    "narrative": "forged",
    "file_number": "forged",
    "recipient": "",
    "ground": Disclosure.Ground.SAFETY,
    "text": "forged",
    "description": "forged",
    "due_on": "2026-01-01",
}


@dataclass
class Scene:
    incident: Incident
    subject: object  # Student
    victim: object  # Student
    involvements: list[Involvement]
    follow_up: FollowUp


def _date_forms(day: date) -> list[str]:
    return [
        day.isoformat(),
        formats.date_format(day, "DATE_FORMAT"),
        formats.date_format(day, "SHORT_DATE_FORMAT"),
    ]


def student_secrets(student) -> list[str]:
    """Every way a page could show who the student is."""
    return [
        student.first_name,
        student.last_name,
        f"{student.first_name} {student.last_name}",
        f"{student.last_name}, {student.first_name}",
        student.student_number,
        *_date_forms(student.date_of_birth),
    ]


def police_secrets(scene: Scene) -> list[str]:
    """Everything police know that a school admin may not see."""
    return [
        *student_secrets(scene.subject),
        *student_secrets(scene.victim),
        OUTSIDER_NAME,
        *OUTSIDER_NAME.split(),
        OUTSIDER_DESCRIPTION,
        NARRATIVE_PHRASE,
        FILE_NUMBER,
        STUDENT_RESPONSE.label,
        OUTSIDER_RESPONSE.label,
        RESPONSE_NOTE,
        # Links to the people: a student's id is theirs to keep too.
        f'href="{reverse("officers:student_detail", args=[scene.subject.pk])}"',
        f'href="{reverse("officers:student_detail", args=[scene.victim.pk])}"',
    ]


@pytest.fixture
def scene(world_a) -> Scene:
    school, agency = world_a.school, world_a.agency
    today = agency.today()
    subject = StudentFactory(
        school=school,
        first_name="Zebulon",
        last_name="Quarrington",
        student_number="778120934",
        date_of_birth=date(today.year - 15, 2, 13),
    )
    victim = StudentFactory(
        school=school,
        first_name="Philippa",
        last_name="Okwuosa-Brandt",
        student_number="778120935",
        date_of_birth=date(today.year - 14, 9, 27),
    )
    incident = Incident.objects.create(
        agency=agency,
        school=school,
        occurred_at=timezone.now() - timedelta(days=3),
        location=Location.HALLWAY,
        category=Category.ASSAULT,
        school_summary=SUMMARY,
        narrative=f"Witnesses saw a {NARRATIVE_PHRASE} before the fight started.",
        reported_by="staff",
        file_number=FILE_NUMBER,
        recorded_by=world_a.sro,
    )
    people = [
        Involvement.objects.create(
            agency=agency,
            incident=incident,
            role=InvolvementRole.SUBJECT,
            student=subject,
            response=STUDENT_RESPONSE,
            response_note=RESPONSE_NOTE,
        ),
        Involvement.objects.create(
            agency=agency, incident=incident, role=InvolvementRole.VICTIM, student=victim
        ),
        Involvement.objects.create(
            agency=agency,
            incident=incident,
            role=InvolvementRole.SUBJECT,
            name=OUTSIDER_NAME,
            description=OUTSIDER_DESCRIPTION,
            age=19,
            response=OUTSIDER_RESPONSE,
            response_note=RESPONSE_NOTE,
        ),
    ]
    follow_up = FollowUp.objects.create(
        agency=agency,
        incident=incident,
        description="Check in with the vice-principal",
        owner=world_a.sro,
        due_on=today + timedelta(days=7),
    )
    return Scene(incident, subject, victim, people, follow_up)


def _ids(scene: Scene, disclosures=()) -> list[int]:
    """Every id that names something of the incident, whatever kind a URL takes."""
    return sorted(
        {
            scene.incident.pk,
            scene.subject.pk,
            scene.victim.pk,
            scene.follow_up.pk,
            *(person.pk for person in scene.involvements),
            *(disclosure.pk for disclosure in disclosures),
        }
    )


def incident_app_urls(ids) -> list[str]:
    """Every URL of incidents/urls.py: those taking an id, with each of `ids`."""
    urls = []
    for pattern in incident_urls.urlpatterns:
        assert isinstance(pattern, URLPattern), "the sweep expects flat patterns"
        name = f"{incident_urls.app_name}:{pattern.name}"
        converters = pattern.pattern.converters
        if not converters:
            urls.append(reverse(name))
            continue
        assert set(converters) == {"pk"}, f"{name}: teach the sweep about {set(converters)}"
        urls.extend(reverse(name, kwargs={"pk": pk}) for pk in ids)
    return urls


def reachable_pages(scene: Scene, disclosures=()) -> list[str]:
    list_url = reverse("incidents:list")
    return [
        reverse("dashboards:home"),
        reverse("reminders:list"),
        list_url,
        f"{list_url}?category={Category.ASSAULT}",
        f"{list_url}?status={Incident.Status.OPEN}",
        *incident_app_urls(_ids(scene, disclosures)),
    ]


def _snapshot(incident: Incident):
    incident.refresh_from_db()
    people = Involvement.objects.filter(incident=incident).order_by("pk")
    return (
        incident.status,
        incident.narrative,
        incident.file_number,
        list(people.values_list("pk", "role", "student_id", "name", "response", "response_note")),
        list(FollowUp.objects.filter(incident=incident).values_list("pk", "done_on")),
        list(Disclosure.objects.filter(incident=incident).values_list("pk", "withdrawn_at")),
    )


def responses_of(client, urls):
    """(what was asked, the response) for GET, htmx GET and POST of each URL."""
    for url in urls:
        yield f"GET {url}", client.get(url)
        yield f"htmx GET {url}", client.get(url, headers={"HX-Request": "true"})
        yield f"POST {url}", client.post(url, FORGED_POST)


def leaks(body: str, secrets) -> list[str]:
    lowered = body.lower()
    return [secret for secret in secrets if secret and secret.lower() in lowered]


def assert_no_leak(client, urls, secrets, scene) -> None:
    before = _snapshot(scene.incident)
    found = {}
    for asked, response in responses_of(client, urls):
        assert response.status_code < 500, asked
        body = response.content.decode()
        if leaked := leaks(body, secrets):
            found[asked] = leaked
    assert found == {}
    # Nothing a school admin posted changed the incident.
    assert _snapshot(scene.incident) == before


def _disclose(world, scene, recipient) -> Disclosure:
    subject = scene.subject
    return disclosure_make(
        actor=world.sro,
        incident=scene.incident,
        recipient=recipient,
        ground=Disclosure.Ground.SAFETY,
        text=f"{subject.first_name} {subject.last_name} must not approach the victim.",
    )


# --- The pages ----------------------------------------------------------------------------------


def test_the_sweep_reaches_the_incident_pages(client, world_a, scene):
    # Guards the sweep against silently checking nothing.
    urls = reachable_pages(scene)
    assert reverse("incidents:detail", args=[scene.incident.pk]) in urls
    assert reverse("incidents:disclosures_received") in urls
    assert reverse("incidents:edit", args=[scene.incident.pk]) in urls
    for person in scene.involvements:
        assert reverse("incidents:person_response", args=[person.pk]) in urls
    assert reverse("incidents:student_history", args=[scene.subject.pk]) in urls
    signed_in(client, world_a.school_admin)
    detail = client.get(reverse("incidents:detail", args=[scene.incident.pk]))
    assert detail.status_code == 200
    assert SUMMARY in detail.text  # the page shows the incident, just not the people
    listing = client.get(reverse("incidents:list")).text
    assert reverse("incidents:detail", args=[scene.incident.pk]) in listing


def test_the_secrets_are_really_in_the_records(scene):
    # The check below would pass vacuously if the records lacked what it looks for.
    record = " ".join(
        [
            scene.incident.narrative,
            scene.incident.file_number,
            *(str(person.student or person.name) for person in scene.involvements),
            *(person.get_response_display() for person in scene.involvements),
            *(person.response_note for person in scene.involvements),
        ]
    )
    for secret in [
        NARRATIVE_PHRASE,
        FILE_NUMBER,
        "Zebulon Quarrington",
        "Philippa Okwuosa-Brandt",
        OUTSIDER_NAME,
        "Charge recommended",
        "Caution",
        RESPONSE_NOTE,
    ]:
        assert secret in record


def test_school_admin_sees_no_identity_narrative_file_number_or_response(client, world_a, scene):
    signed_in(client, world_a.school_admin)

    assert_no_leak(client, reachable_pages(scene), police_secrets(scene), scene)


def test_a_disclosure_shows_only_on_the_recipient_s_disclosures_page(client, world_a, scene):
    recipient = world_a.school_admin
    colleague = SchoolMembershipFactory(school=world_a.school).user
    disclosure = _disclose(world_a, scene, recipient)
    disclosures_url = reverse("incidents:disclosures_received")
    detail_url = reverse("incidents:detail", args=[scene.incident.pk])
    name = f"{scene.subject.first_name} {scene.subject.last_name}"

    signed_in(client, recipient)
    page = client.get(disclosures_url).text
    assert name in page
    assert disclosure.get_ground_display() in page
    # Everywhere else, the recipient still sees nothing of the people.
    detail = client.get(detail_url).text
    assert name not in detail
    assert 'id="disclosure-notice"' in detail  # a link to the separate place, not the content
    elsewhere = [url for url in reachable_pages(scene, [disclosure]) if url != disclosures_url]
    assert_no_leak(client, elsewhere, police_secrets(scene), scene)
    # The disclosures page shows the disclosed text, and nothing more of the record.
    secrets_beyond_text = [
        secret
        for secret in police_secrets(scene)
        if secret.lower() not in disclosure.disclosed_text.lower()
    ]
    assert_no_leak(client, [disclosures_url], secrets_beyond_text, scene)

    # Another admin of the same school sees it nowhere.
    client.logout()
    signed_in(client, colleague)
    assert_no_leak(client, reachable_pages(scene, [disclosure]), police_secrets(scene), scene)
    assert 'id="disclosure-notice"' not in client.get(detail_url).text

    # Withdrawn: gone from every page of the recipient again.
    disclosure_withdraw(actor=world_a.sro, disclosure=disclosure)
    client.logout()
    signed_in(client, recipient)
    assert_no_leak(client, reachable_pages(scene, [disclosure]), police_secrets(scene), scene)
    assert 'id="disclosure-notice"' not in client.get(detail_url).text
