"""Community partners and referrals through the real pages: consent recorded, the loop followed
to its end with a reminder that names no student, and loop-closure rates per partner."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from officers.models import CommunityPartner, Referral, Student
from officers.reminders import CONFIRM_REFERRAL
from sro_portal.accounts.models import Role
from sro_portal.audit.models import AccessEvent
from sro_portal.reminders import services as reminder_services
from sro_portal.reminders.models import Reminder
from sro_portal.reminders.timing import at_local_time
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

POLICE = [Role.ADMIN, Role.SUPERVISOR, Role.SRO]
# 11:00 on March 10, 2026 in Edmonton (MDT since March 8: UTC-6).
MORNING = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)


def make_student(school, **fields) -> Student:
    values = {
        "first_name": "Zephyrine",
        "last_name": "Quackenbush",
        "date_of_birth": date(school.agency.today().year - 15, 1, 1),
    }
    return Student.objects.create(agency=school.agency, school=school, **(values | fields))


def make_partner(agency, name="Northside Youth Counselling", **fields) -> CommunityPartner:
    values = {"kind": CommunityPartner.Kind.COUNSELLING}
    return CommunityPartner.objects.create(agency=agency, name=name, **(values | fields))


def make_referral(student, partner, made_by, **fields) -> Referral:
    today = student.agency.today()
    values = {
        "made_on": today,
        "reason": "Support after a family loss",
        "consent_by": Referral.ConsentBy.STUDENT,
        "consent_on": today,
    }
    return Referral.objects.create(
        agency=student.agency,
        student=student,
        partner=partner,
        made_by=made_by,
        **(values | fields),
    )


def _referral_at(school, *, made_by) -> Referral:
    return make_referral(make_student(school), make_partner(school.agency), made_by)


def _rates(response) -> dict[str, tuple[int, int]]:
    return {row["partner__name"]: (row["made"], row["closed"]) for row in response.context["rates"]}


def _referral_form(student, partner, **extra):
    today = student.agency.today().isoformat()
    return {
        "student": student.pk,
        "partner": partner.pk,
        "made_on": today,
        "reason": "Support after a family loss",
        "consent_by": Referral.ConsentBy.PARENT,
        "consent_on": today,
        **extra,
    }


def _assigned_long_ago(world):
    """The SRO's assignment starts years back, so that it is in force on travelled-to dates."""
    world.sro.assignments.update(starts_on=date(2020, 1, 1))


def _follow_up(client, referral, status, outcome=""):
    url = reverse("officers:referral_update", args=[referral.pk])
    return client.post(url, {"status": status, "outcome": outcome})


# --- Community partners -------------------------------------------------------------------------


def _partner_form(**extra):
    return {
        "name": "Alberta Health Services: Addiction and Mental Health",
        "kind": CommunityPartner.Kind.HEALTH,
        "contact_name": "Intake desk",
        "email": "intake@example.test",
        "phone": "780-555-0100",
        "programs": "Youth addiction services\nVaping cessation",
        "is_active": "on",
        **extra,
    }


@pytest.mark.parametrize("role", Role.values)
def test_everyone_in_the_agency_lists_the_partners(client, world_a, world_b, role):
    make_partner(world_a.agency, name="Alpha Counselling")
    make_partner(world_b.agency, name="Bravo Counselling")
    signed_in(client, world_a.users[role])
    response = client.get(reverse("officers:partner_list"))
    assert response.status_code == 200
    assert "Alpha Counselling" in response.text and "Bravo Counselling" not in response.text


def test_admin_adds_and_edits_a_partner(client, world_a):
    signed_in(client, world_a.admin)
    response = client.post(reverse("officers:partner_create"), _partner_form())
    assert response.url == reverse("officers:partner_list")
    partner = CommunityPartner.objects.get()
    assert partner.agency == world_a.agency and partner.is_active

    url = reverse("officers:partner_edit", args=[partner.pk])
    response = client.post(url, _partner_form(is_active="", phone="780-555-0199"))
    assert response.status_code == 302
    partner.refresh_from_db()
    assert (partner.is_active, partner.phone) == (False, "780-555-0199")


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.SRO, Role.SCHOOL])
def test_only_admins_add_or_edit_partners(client, world_a, role):
    partner = make_partner(world_a.agency)
    signed_in(client, world_a.users[role])

    assert client.get(reverse("officers:partner_create")).status_code == 403
    assert client.post(reverse("officers:partner_create"), _partner_form()).status_code == 403
    url = reverse("officers:partner_edit", args=[partner.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, _partner_form(name="Hijacked")).status_code == 403
    assert list(CommunityPartner.objects.values_list("name", flat=True)) == [partner.name]


def test_a_partner_name_is_unique_in_the_agency(client, world_a, world_b):
    make_partner(world_a.agency, name="Northside Youth Counselling")
    make_partner(world_b.agency, name="Bravo Counselling")
    signed_in(client, world_a.admin)
    url = reverse("officers:partner_create")

    response = client.post(url, _partner_form(name="northside youth counselling"))
    assert response.status_code == 200
    assert response.context["form"].has_error("name")
    # Another agency's partner of the same name is no duplicate.
    assert client.post(url, _partner_form(name="Bravo Counselling")).status_code == 302


def test_partner_list_queries_do_not_grow_with_rows(client, world_a):
    make_partner(world_a.agency, name="Partner 0")
    signed_in(client, world_a.sro)
    url = reverse("officers:partner_list")
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    one = count()
    for n in range(1, 20):
        make_partner(world_a.agency, name=f"Partner {n}")
    assert count() == one


# --- Who sees which referrals -------------------------------------------------------------------


def test_school_admin_gets_403_on_lists_and_404_on_ids(client, world_a):
    referral = make_referral(
        make_student(world_a.school), make_partner(world_a.agency), world_a.sro
    )
    signed_in(client, world_a.school_admin)

    assert client.get(reverse("officers:referral_list")).status_code == 403
    assert client.get(reverse("officers:referral_create")).status_code == 403
    form = _referral_form(referral.student, referral.partner)
    assert client.post(reverse("officers:referral_create"), form).status_code == 403
    assert client.get(reverse("officers:referral_detail", args=[referral.pk])).status_code == 404
    update = reverse("officers:referral_update", args=[referral.pk])
    assert client.get(update).status_code == 404
    assert _follow_up(client, referral, "closed", "Done").status_code == 404
    referral.refresh_from_db()
    assert referral.status == Referral.Status.MADE
    assert Referral.objects.count() == 1
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("role", POLICE)
def test_police_roles_see_the_referrals_of_their_schools_only(client, world_a, world_b, role):
    partner = make_partner(world_a.agency)
    mine = make_referral(make_student(world_a.school, last_name="Ashford"), partner, world_a.sro)
    other = make_referral(
        make_student(world_a.other_school, last_name="Birchwood"), partner, world_a.admin
    )
    foreign = make_referral(
        make_student(world_b.school, last_name="Cedarholm"),
        make_partner(world_b.agency),
        world_b.sro,
    )
    signed_in(client, world_a.users[role])

    page = client.get(reverse("officers:referral_list")).text
    sees_other_school = role != Role.SRO
    assert "Ashford" in page and "Cedarholm" not in page
    assert ("Birchwood" in page) is sees_other_school
    detail = reverse("officers:referral_detail", args=[other.pk])
    assert client.get(detail).status_code == (200 if sees_other_school else 404)
    assert client.get(reverse("officers:referral_detail", args=[mine.pk])).status_code == 200
    foreign_url = reverse("officers:referral_detail", args=[foreign.pk])
    assert client.get(foreign_url).status_code == 404


def test_viewing_a_referral_writes_an_access_event_each_time(client, world_a):
    referral = _referral_at(world_a.school, made_by=world_a.sro)
    signed_in(client, world_a.supervisor)
    url = reverse("officers:referral_detail", args=[referral.pk])

    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200

    events = AccessEvent.objects.filter(object_id=str(referral.pk), content_type__model="referral")
    assert events.count() == 2
    assert {(e.action, e.actor_id, e.agency_id) for e in events} == {
        (AccessEvent.Action.VIEWED, world_a.supervisor.pk, world_a.agency.pk)
    }


# --- Making a referral --------------------------------------------------------------------------


def test_the_student_page_link_prefills_the_student_and_today(client, world_a):
    student = make_student(world_a.school)
    make_partner(world_a.agency)
    _assigned_long_ago(world_a)
    with time_machine.travel(MORNING, tick=False):
        signed_in(client, world_a.sro)
        response = client.get(reverse("officers:referral_create"), {"student": student.pk})
    form = response.context["form"]
    assert form["student"].value() == student.pk
    assert form["made_on"].value() == date(2026, 3, 10)


def test_referral_creation_schedules_the_confirmation_reminder(client, world_a):
    student = make_student(world_a.school)
    partner = make_partner(world_a.agency)
    _assigned_long_ago(world_a)
    with time_machine.travel(MORNING, tick=False):
        signed_in(client, world_a.sro)
        response = client.post(
            reverse("officers:referral_create"), _referral_form(student, partner)
        )

    referral = Referral.objects.get()
    assert response.url == reverse("officers:referral_detail", args=[referral.pk])
    assert (referral.made_by, referral.agency, referral.made_on) == (
        world_a.sro,
        world_a.agency,
        date(2026, 3, 10),
    )
    assert (referral.consent_by, referral.consent_on) == ("parent", date(2026, 3, 10))
    reminder = Reminder.objects.get()
    assert reminder.kind == CONFIRM_REFERRAL == "referrals.confirm"
    assert reminder.recipient == world_a.sro
    assert reminder.object_id == str(referral.pk)
    assert reminder.state == Reminder.State.PENDING
    # 9:00 in Edmonton, 14 days later (MDT, UTC-6).
    assert reminder.due_at == datetime(2026, 3, 24, 15, 0, tzinfo=UTC)
    assert reminder.due_at == at_local_time(world_a.agency.tzinfo, date(2026, 3, 24), time(9, 0))


def test_the_delivered_reminder_names_no_student(
    client, world_a, django_capture_on_commit_callbacks
):
    student = make_student(world_a.school, first_name="Zephyrine", last_name="Quackenbush")
    partner = make_partner(world_a.agency)
    _assigned_long_ago(world_a)
    with time_machine.travel(MORNING, tick=False):
        signed_in(client, world_a.sro)
        client.post(reverse("officers:referral_create"), _referral_form(student, partner))
    referral = Referral.objects.get()
    due_at = Reminder.objects.get().due_at

    with time_machine.travel(due_at - timedelta(minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            reminder_services.dispatch_due()
        assert mail.outbox == []
    with (
        time_machine.travel(due_at, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminder_services.dispatch_due()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world_a.sro.email]
    text = f"{message.subject}\n{message.body}"
    assert "Zephyrine" not in text and "Quackenbush" not in text
    assert partner.name in message.subject
    assert reverse("officers:referral_detail", args=[referral.pk]) in message.body
    assert Reminder.objects.get().state == Reminder.State.SENT


def test_consent_is_required(client, world_a):
    student, partner = make_student(world_a.school), make_partner(world_a.agency)
    signed_in(client, world_a.sro)
    url = reverse("officers:referral_create")

    response = client.post(url, _referral_form(student, partner, consent_by="", consent_on=""))
    form = response.context["form"]
    assert form.has_error("consent_by") and form.has_error("consent_on")
    response = client.post(url, _referral_form(student, partner, consent_by="teacher"))
    assert response.context["form"].has_error("consent_by")
    assert not Referral.objects.exists() and not Reminder.objects.exists()


def test_consent_comes_before_the_referral_which_is_not_in_the_future(client, world_a):
    student, partner = make_student(world_a.school), make_partner(world_a.agency)
    _assigned_long_ago(world_a)
    with time_machine.travel(MORNING, tick=False):
        signed_in(client, world_a.sro)
        url = reverse("officers:referral_create")
        response = client.post(
            url, _referral_form(student, partner, made_on="2026-03-09", consent_on="2026-03-10")
        )
        assert "Consent comes before the referral is made." in response.text
        response = client.post(
            url, _referral_form(student, partner, made_on="2026-03-11", consent_on="2026-03-10")
        )
        assert response.context["form"].has_error("made_on")
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("field", "other_of"),
    [
        ("student", lambda a, b: make_student(b.school)),  # another agency's student
        ("partner", lambda a, b: make_partner(b.agency, name="Bravo Counselling")),
        ("student", lambda a, b: make_student(a.other_school)),  # not the SRO's school
        ("partner", lambda a, b: make_partner(a.agency, name="Closed", is_active=False)),
    ],
)
def test_a_forged_student_or_partner_is_a_field_error(client, world_a, world_b, field, other_of):
    student, partner = make_student(world_a.school), make_partner(world_a.agency)
    forged = other_of(world_a, world_b)
    signed_in(client, world_a.sro)
    form = _referral_form(student, partner) | {field: forged.pk}
    response = client.post(reverse("officers:referral_create"), form)
    assert response.status_code == 200
    assert response.context["form"].has_error(field)
    assert not Referral.objects.exists() and not Reminder.objects.exists()


# --- Following a referral -----------------------------------------------------------------------


def test_closing_without_an_outcome_is_refused(client, world_a):
    referral = _referral_at(world_a.school, made_by=world_a.sro)
    signed_in(client, world_a.sro)

    for status in ("closed", "declined"):
        response = _follow_up(client, referral, status, outcome="   ")
        assert response.status_code == 400
        assert "Say how it ended before closing the loop." in response.text
    referral.refresh_from_db()
    assert (referral.status, referral.closed_on) == (Referral.Status.MADE, None)


def test_following_up_moves_the_status(client, world_a):
    referral = _referral_at(world_a.school, made_by=world_a.sro)
    signed_in(client, world_a.sro)
    response = _follow_up(client, referral, "engaged", "Attended the first session")
    assert response.url == reverse("officers:referral_detail", args=[referral.pk])
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("engaged", "Attended the first session")
    assert referral.is_open


def test_closing_cancels_the_reminder_and_cannot_be_undone(client, world_a):
    student, partner = make_student(world_a.school), make_partner(world_a.agency)
    _assigned_long_ago(world_a)
    with time_machine.travel(MORNING, tick=False):
        signed_in(client, world_a.sro)
        client.post(reverse("officers:referral_create"), _referral_form(student, partner))
        referral = Referral.objects.get()
        response = _follow_up(client, referral, "closed", "Completed six sessions")
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.closed_on) == (Referral.Status.CLOSED, date(2026, 3, 10))
    assert Reminder.objects.get().state == Reminder.State.CANCELLED

    signed_in(client, world_a.sro)  # the travelled-to session has expired since
    response = _follow_up(client, referral, "engaged", "Reopened")
    assert response.url == reverse("officers:referral_detail", args=[referral.pk])
    page = client.get(response.url).text
    assert "cannot be reopened" in page
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("closed", "Completed six sessions")


def test_the_follow_up_url_sends_a_get_to_the_referral(client, world_a):
    referral = _referral_at(world_a.school, made_by=world_a.sro)
    signed_in(client, world_a.sro)
    response = client.get(reverse("officers:referral_update", args=[referral.pk]))
    assert response.url == reverse("officers:referral_detail", args=[referral.pk])


def test_another_agency_s_referral_cannot_be_followed_up(client, world_a, world_b):
    foreign = _referral_at(world_b.school, made_by=world_b.sro)
    signed_in(client, world_a.admin)
    assert _follow_up(client, foreign, "closed", "Forged").status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Referral.Status.MADE


# --- The list and the loop-closure rates --------------------------------------------------------


def test_loop_closure_rates_per_partner(client, world_a, world_b):
    health = make_partner(world_a.agency, name="Alpha Health")
    counselling = make_partner(world_a.agency, name="Beta Counselling")
    student = make_student(world_a.school)
    for status, outcome in [
        ("closed", "Done"),
        ("declined", "Family said no"),
        ("made", ""),
        ("engaged", ""),
    ]:
        make_referral(student, health, world_a.sro, status=status, outcome=outcome)
    make_referral(student, counselling, world_a.sro)
    # Not the SRO's school, and not the agency: neither counts for the SRO.
    make_referral(make_student(world_a.other_school), counselling, world_a.admin, status="closed")
    make_referral(make_student(world_b.school), make_partner(world_b.agency), world_b.sro)

    signed_in(client, world_a.sro)
    response = client.get(reverse("officers:referral_list"))
    rates = _rates(response)
    assert rates == {"Alpha Health": (4, 2), "Beta Counselling": (1, 0)}
    assert ">50&nbsp;%</td>" in response.text and ">0&nbsp;%</td>" in response.text

    signed_in(client, world_a.supervisor)
    response = client.get(reverse("officers:referral_list"))
    rates = _rates(response)
    assert rates == {"Alpha Health": (4, 2), "Beta Counselling": (2, 1)}
    assert ">50&nbsp;%</td>" in response.text


def test_referral_list_filters(client, world_a):
    health = make_partner(world_a.agency, name="Alpha Health")
    counselling = make_partner(world_a.agency, name="Beta Counselling")
    closed = make_referral(
        make_student(world_a.school, last_name="Closedfield"),
        health,
        world_a.sro,
        status="closed",
        outcome="Done",
    )
    engaged = make_referral(
        make_student(world_a.school, last_name="Engagedson"),
        counselling,
        world_a.sro,
        status="engaged",
    )
    signed_in(client, world_a.sro)
    url = reverse("officers:referral_list")

    def listed(params):
        return {r.pk for r in client.get(url, params).context["page"]}

    assert listed({}) == {closed.pk, engaged.pk}
    assert listed({"status": "closed"}) == {closed.pk}
    assert listed({"partner": counselling.pk}) == {engaged.pk}
    assert listed({"open": "1"}) == {engaged.pk}
    assert listed({"status": "bogus", "partner": "x"}) == {closed.pk, engaged.pk}
    assert listed({"partner": "9" * 11, "page": "x"}) == set()
    create = reverse("officers:referral_create")
    assert client.get(create, {"student": "9" * 11}).status_code == 200
    assert client.get(create, {"student": "abc"}).status_code == 200


def test_referral_list_queries_do_not_grow_with_rows(client, world_a):
    partner = make_partner(world_a.agency, name="Partner 0")
    make_referral(make_student(world_a.school), partner, world_a.sro)
    signed_in(client, world_a.supervisor)
    url = reverse("officers:referral_list")
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    one = count()
    for n in range(1, 20):
        school = world_a.school if n % 2 else world_a.other_school
        made_by = world_a.sro if n % 2 else world_a.admin
        other = make_partner(world_a.agency, name=f"Partner {n}")
        make_referral(make_student(school, first_name=f"N{n}"), other, made_by)
    assert count() == one
