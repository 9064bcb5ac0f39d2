"""PAYOFF check-ins: completing an agreement schedules the 6- and 12-month check-ins, the portal
proposes an answer from the incident log, the officer confirms it, and the re-offence rate counts
the confirmed answers per school and school year.

The builders at the top drive the real services (draft, tasks, consent, activation, the ledger,
completion); tests/payoff/test_retention.py and test_visibility.py use them too.
"""

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse
from django.utils import timezone

from payoff import reminders as payoff_reminders
from payoff import selectors, services
from payoff import urls as payoff_urls_module
from payoff.models import (
    POLICE_BASES,
    Agreement,
    Basis,
    CheckIn,
    ConsentMethod,
    NotificationMethod,
    Statement,
    Task,
    TaskKind,
    WorkSession,
)
from payoff.selectors import ReoffenceRate
from sro_portal.accounts.models import Role
from sro_portal.audit.models import AccessEvent
from sro_portal.reminders.models import Reminder
from tests.factories import (
    AssignmentFactory,
    IncidentFactory,
    InvolvementFactory,
    StudentFactory,
    UserFactory,
)
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

OFFENCE = "Spray-painted a mural of a lighthouse on the east stairwell"
STATEMENT = "I painted the stairwell because my friends dared me and I am sorry"


# --- Builders (used by the other PAYOFF test modules too) ---------------------------------------


@dataclass
class Built:
    """An agreement made through the services, and every row that names something of it."""

    agreement: Agreement
    tasks: list[Task] = field(default_factory=list)
    sessions: list[WorkSession] = field(default_factory=list)
    check_ins: list[CheckIn] = field(default_factory=list)
    statement: Statement | None = None

    @property
    def ids(self) -> list[int]:
        """Every id that names something of the agreement, whatever kind a URL takes."""
        return sorted(
            {
                self.agreement.pk,
                *(task.pk for task in self.tasks),
                *(session.pk for session in self.sessions),
                *(check_in.pk for check_in in self.check_ins),
                *([self.statement.pk] if self.statement else []),
            }
        )


def local_noon(world, day: date) -> datetime:
    """Noon on `day` on the agency's wall clock (far from midnight in every time zone)."""
    return datetime.combine(day, time(12, 0), tzinfo=world.agency.tzinfo)


def months_later(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's end (written apart from the service's
    own arithmetic, which it checks)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def make_agreement(
    world,
    *,
    basis: str = Basis.SCHOOL,
    school=None,
    student=None,
    officer=None,
    actor=None,
    statement: str = "",
    offence: str = OFFENCE,
    incident=None,
    activate: bool = True,
    complete: bool = True,
) -> Built:
    """An agreement at `school` (world.school), led by `officer` (world.sro), driven through the
    services by `actor` (the supervisor, who sees every school at any date): drafted, one task of
    two hours, consent where the basis needs it (and the statement), activated, two hours logged and
    completed (which schedules the check-ins)."""
    school = school or world.school
    actor = actor or world.supervisor
    student = student or StudentFactory(school=school)
    today = world.agency.today()
    agreement = services.agreement_draft(
        actor=actor,
        student=student,
        basis=basis,
        offence=offence,
        offence_on=today - timedelta(days=7),
        officer=officer or world.sro,
        starts_on=today,
        due_on=today + timedelta(days=30),
        incident=incident,
    )
    built = Built(agreement)
    built.tasks.append(
        services.task_add(
            actor=actor,
            agreement=agreement,
            kind=TaskKind.RESTORATIVE,
            unit=Task.Unit.HOURS,
            required=Decimal("2"),
            description="Repaint the stairwell",
        )
    )
    consent = {}
    if basis in POLICE_BASES:
        now = timezone.now()
        consent = {
            "informed_at": now - timedelta(minutes=50),
            "counsel_advised_at": now - timedelta(minutes=40),
            "consented_at": now - timedelta(minutes=30),
            "consent_method": ConsentMethod.IN_PERSON,
            "responsibility_accepted": True,
            "parent_name": "Morgan Parent",
            "parent_notified_at": now - timedelta(minutes=20),
            "parent_notification_method": NotificationMethod.PHONE,
        }
    if consent or statement:
        services.consent_record(actor=actor, agreement=agreement, statement=statement, **consent)
        built.statement = Statement.objects.filter(agreement=agreement).first()
    if not activate:
        return built
    services.agreement_activate(actor=actor, agreement=agreement)
    if not complete:
        return built
    built.sessions.append(
        services.session_log(
            actor=actor,
            agreement=agreement,
            task=built.tasks[0],
            on=today,
            hours=Decimal("2"),
            what_was_done="Primed and repainted the east stairwell",
            verifier_name="Ms. Arbuckle",
        )
    )
    services.agreement_complete(actor=actor, agreement=agreement)
    built.check_ins = list(CheckIn.objects.filter(agreement=agreement).order_by("months"))
    agreement.refresh_from_db()
    return built


def payoff_urls(ids) -> tuple[list[str], list[str]]:
    """Every URL of payoff/urls.py, walked generically so that a page added later is covered:
    (those taking an id, with each of `ids`; those taking none)."""
    with_ids, plain = [], []
    for pattern in payoff_urls_module.urlpatterns:
        assert isinstance(pattern, URLPattern), "the walk expects flat patterns"
        name = f"{payoff_urls_module.app_name}:{pattern.name}"
        converters = pattern.pattern.converters
        if not converters:
            plain.append(reverse(name))
            continue
        assert set(converters) == {"pk"}, f"{name}: teach the walk about {set(converters)}"
        with_ids.extend(reverse(name, kwargs={"pk": pk}) for pk in ids)
    return with_ids, plain


# Field names of every payoff form, so that a POST reaches as far as a view lets it.
FORGED_POST = {
    "reoffended": "yes",
    "offence": "forged",
    "offence_on": "2020-01-01",
    "starts_on": "2020-01-01",
    "due_on": "2020-02-01",
    "basis": Basis.SCHOOL,
    "kind": TaskKind.OTHER,
    "unit": "hours",
    "required": "1",
    "hours": "1",
    "date": "2020-01-01",
    "what_was_done": "forged",
    "verifier_name": "forged",
    "statement": "forged",
    "reason": "forged",
    "next_step": "charge",
}


def check_in_reminders(check_in: CheckIn):
    return Reminder.objects.filter(
        kind=payoff_reminders.CHECK_IN,
        content_type=ContentType.objects.get_for_model(CheckIn),
        object_id=str(check_in.pk),
    )


def _incident_for(student, *, at: datetime, role: str = "subject", school=None):
    incident = IncidentFactory(school=school or student.school, occurred_at=at, category="theft")
    InvolvementFactory(incident=incident, student=student, role=role)
    return incident


# --- Completion schedules the check-ins ---------------------------------------------------------


def test_completing_an_agreement_creates_the_6_and_12_month_check_ins_with_reminders(world_a):
    built = make_agreement(world_a, basis=Basis.SANCTION)
    agreement = built.agreement
    closed_on = world_a.agency.today()

    assert agreement.status == Agreement.Status.COMPLETED
    assert agreement.closed_on == closed_on
    assert [(c.months, c.due_on, c.reoffended) for c in built.check_ins] == [
        (6, months_later(closed_on, 6), None),
        (12, months_later(closed_on, 12), None),
    ]
    for check_in in built.check_ins:
        reminder = check_in_reminders(check_in).get()
        assert reminder.state == Reminder.State.PENDING
        assert reminder.recipient == world_a.sro  # the officer responsible, not the actor
        local = timezone.localtime(reminder.due_at, world_a.agency.tzinfo)
        assert (local.date(), local.time()) == (check_in.due_on, time(9, 0))


def test_check_ins_of_an_agreement_completed_on_august_31_fall_on_the_months_last_days(world_a):
    with time_machine.travel(local_noon(world_a, date(2027, 8, 31)), tick=False):
        built = make_agreement(world_a)
    assert [c.due_on for c in built.check_ins] == [date(2028, 2, 29), date(2028, 8, 31)]


def test_an_agreement_not_completed_gets_no_check_in(world_a):
    built = make_agreement(world_a, complete=False)
    services.agreement_not_completed(
        actor=world_a.supervisor,
        agreement=built.agreement,
        reason="Stopped coming to the sessions",
        next_step="referral",
    )
    assert not CheckIn.objects.filter(agreement=built.agreement).exists()


# --- The proposal -------------------------------------------------------------------------------


def test_the_proposal_finds_incidents_where_the_student_was_a_subject_after_completion(world_a):
    built = make_agreement(world_a)
    student, closed_on = built.agreement.student, built.agreement.closed_on
    six, twelve = built.check_ins
    before = _incident_for(student, at=local_noon(world_a, closed_on - timedelta(days=3)))
    same_day = _incident_for(student, at=local_noon(world_a, closed_on))
    as_victim = _incident_for(
        student, at=local_noon(world_a, closed_on + timedelta(days=20)), role="victim"
    )
    as_witness = _incident_for(
        student, at=local_noon(world_a, closed_on + timedelta(days=25)), role="witness"
    )
    someone_else = InvolvementFactory(
        incident__school=world_a.school,
        incident__occurred_at=local_noon(world_a, closed_on + timedelta(days=30)),
    ).incident
    after = _incident_for(student, at=local_noon(world_a, closed_on + timedelta(days=40)))
    after_six_months = _incident_for(student, at=local_noon(world_a, six.due_on + timedelta(1)))
    at_another_school = _incident_for(
        student,
        at=local_noon(world_a, closed_on + timedelta(days=50)),
        school=world_a.other_school,
    )

    assert selectors.proposed_reoffence(six) == [after, at_another_school]
    assert selectors.proposed_reoffence(twelve) == [after, at_another_school, after_six_months]
    ignored = {before, same_day, as_victim, as_witness, someone_else}
    assert ignored.isdisjoint(selectors.proposed_reoffence(twelve))


def test_the_proposal_is_no_new_incident_when_the_log_has_none(world_a):
    built = make_agreement(world_a)
    _incident_for(
        built.agreement.student,
        at=local_noon(world_a, built.agreement.closed_on + timedelta(days=10)),
        role="victim",
    )
    assert selectors.proposed_reoffence(built.check_ins[0]) == []


def test_the_proposal_reads_incident_dates_on_the_agency_s_calendar(world_a):
    built = make_agreement(world_a)
    closed_on = built.agreement.closed_on
    # 20:00 in Edmonton on the day of completion is already the next day in UTC.
    evening = datetime.combine(closed_on, time(20, 0), tzinfo=world_a.agency.tzinfo)
    _incident_for(built.agreement.student, at=evening)
    assert selectors.proposed_reoffence(built.check_ins[0]) == []


# --- Confirming ---------------------------------------------------------------------------------


def test_confirming_before_the_due_date_is_refused(world_a):
    six = make_agreement(world_a).check_ins[0]
    day_before = local_noon(world_a, six.due_on - timedelta(days=1))
    with (
        time_machine.travel(day_before, tick=False),
        pytest.raises(ValidationError, match="not due yet"),
    ):
        services.check_in_confirm(actor=world_a.sro, check_in=six, reoffended=False)
    six.refresh_from_db()
    assert six.reoffended is None
    assert check_in_reminders(six).get().state == Reminder.State.PENDING


def test_confirming_records_the_answer_and_cancels_the_reminder(world_a):
    six, twelve = make_agreement(world_a).check_ins
    with time_machine.travel(local_noon(world_a, six.due_on), tick=False):
        services.check_in_confirm(actor=world_a.sro, check_in=six, reoffended=True)
        today = world_a.agency.today()
    six.refresh_from_db()
    assert (six.reoffended, six.confirmed_by, six.confirmed_on) == (True, world_a.sro, today)
    assert check_in_reminders(six).get().state == Reminder.State.CANCELLED
    # The other check-in still reminds its officer.
    assert check_in_reminders(twelve).get().state == Reminder.State.PENDING


def test_school_admins_cannot_confirm(world_a):
    six = make_agreement(world_a).check_ins[0]
    with (
        time_machine.travel(local_noon(world_a, six.due_on), tick=False),
        pytest.raises(PermissionDenied),
    ):
        services.check_in_confirm(actor=world_a.school_admin, check_in=six, reoffended=False)


# --- Re-offence rates ---------------------------------------------------------------------------


def test_rates_per_school_and_school_year_count_confirmed_check_ins_only(world_a):
    agency, supervisor = world_a.agency, world_a.supervisor
    high, composite = world_a.school, world_a.other_school
    start = agency.today()
    later = start + timedelta(days=400)  # always another school year
    first_year = agency.school_year_for(start).label
    second_year = agency.school_year_for(later).label
    assert first_year != second_year

    # (school, completed on, answer at 12 months, answer at 6 months); None: not confirmed.
    plan = [
        (high, start, True, False),
        (high, start, False, False),
        (high, start, False, None),
        (composite, start, True, True),
        (composite, start, True, None),
        (high, later, False, True),
        (high, later, None, None),
    ]
    built = []
    for school, completed_on, *_answers in plan:
        with time_machine.travel(local_noon(world_a, completed_on), tick=False):
            built.append(make_agreement(world_a, school=school))
    # Agreements withdrawn or not completed have no check-in, so they count nowhere.
    make_agreement(world_a, complete=False)

    with time_machine.travel(local_noon(world_a, later + timedelta(days=400)), tick=False):
        for item, (_school, _on, at_twelve, at_six) in zip(built, plan, strict=True):
            six, twelve = item.check_ins
            for check_in, answer in ((six, at_six), (twelve, at_twelve)):
                if answer is not None:
                    services.check_in_confirm(
                        actor=supervisor, check_in=check_in, reoffended=answer
                    )
        twelve_months = selectors.reoffence_rates(supervisor, months=12)
        six_months = selectors.reoffence_rates(supervisor, months=6)

    assert twelve_months == [
        ReoffenceRate(composite.pk, composite.name, first_year, confirmed=2, reoffended=2),
        ReoffenceRate(high.pk, high.name, first_year, confirmed=3, reoffended=1),
        ReoffenceRate(high.pk, high.name, second_year, confirmed=1, reoffended=0),
    ]
    assert six_months == [
        ReoffenceRate(composite.pk, composite.name, first_year, confirmed=1, reoffended=1),
        ReoffenceRate(high.pk, high.name, first_year, confirmed=2, reoffended=0),
        ReoffenceRate(high.pk, high.name, second_year, confirmed=1, reoffended=1),
    ]
    assert [round(rate.rate, 3) for rate in twelve_months] == [1.0, 0.333, 0.0]


def test_the_rates_page_shows_each_school_and_year_with_totals(client, world_a):
    start = world_a.agency.today()
    answers = [(world_a.school, True), (world_a.school, False), (world_a.school, False)]
    answers += [(world_a.other_school, True)]
    built = [(make_agreement(world_a, school=school), answer) for school, answer in answers]
    with time_machine.travel(local_noon(world_a, months_later(start, 12)), tick=False):
        for item, answer in built:
            for check_in in item.check_ins:
                services.check_in_confirm(
                    actor=world_a.supervisor, check_in=check_in, reoffended=answer
                )
        signed_in(client, world_a.supervisor)
        response = client.get(reverse("payoff:rates"))

    assert response.status_code == 200
    page = response.text
    year = world_a.agency.school_year_for(start).label
    assert "How the rate is computed" in page
    assert "Within 12 months of completion" in page
    assert "Within 6 months of completion" in page
    assert year in page
    assert "33.3 %" in page  # 1 of 3 at Alpha High
    assert "100.0 %" in page  # 1 of 1 at Alpha Composite
    assert "50.0 %" in page  # the total: 2 of 4
    assert 'width="33.3"' in page  # the bar


def test_the_rates_page_is_for_supervisors_and_agency_admins(client, world_a):
    url = reverse("payoff:rates")
    expected = {Role.ADMIN: 200, Role.SUPERVISOR: 200, Role.SRO: 403, Role.SCHOOL: 403}
    for role, status in expected.items():
        client.logout()
        signed_in(client, world_a.users[role])
        assert client.get(url).status_code == status, role


def test_the_rates_page_with_nothing_confirmed(client, world_a):
    make_agreement(world_a)
    signed_in(client, world_a.admin)
    response = client.get(reverse("payoff:rates"))
    assert response.status_code == 200
    assert "No check-in confirmed yet." in response.text


# --- The pages: who gets in ---------------------------------------------------------------------


@pytest.fixture
def second_sro(world_a):
    sro = UserFactory(agency=world_a.agency, role=Role.SRO, full_name="Second Officer")
    AssignmentFactory(school=world_a.school, officer=sro, starts_on=world_a.agency.today())
    return sro


def test_the_list_shows_check_ins_due_and_an_sro_sees_their_own_only(client, world_a, second_sro):
    mine = make_agreement(world_a, officer=world_a.sro)
    theirs = make_agreement(world_a, officer=second_sro)
    url = reverse("payoff:check_ins")

    def link(built, months):
        check_in = next(c for c in built.check_ins if c.months == months)
        return reverse("payoff:check_in", args=[check_in.pk])

    before_due = months_later(world_a.agency.today(), 6) - timedelta(days=1)
    with time_machine.travel(local_noon(world_a, before_due), tick=False):
        signed_in(client, world_a.supervisor)
        assert link(mine, 6) not in client.get(url).text  # not due yet

    with time_machine.travel(local_noon(world_a, before_due + timedelta(days=1)), tick=False):
        client.logout()
        signed_in(client, world_a.sro)
        page = client.get(url).text
        assert link(mine, 6) in page
        assert link(theirs, 6) not in page
        assert link(mine, 12) not in page  # due in six more months
        assert f"Agreement #{mine.agreement.pk}" in page
        assert world_a.school.name in page
        student = mine.agreement.student
        assert student.first_name not in page and student.last_name not in page

        for role in (Role.SUPERVISOR, Role.ADMIN):
            client.logout()
            signed_in(client, world_a.users[role])
            page = client.get(url).text
            assert link(mine, 6) in page and link(theirs, 6) in page, role

        client.logout()
        signed_in(client, world_a.school_admin)
        assert client.get(url).status_code == 403

        # Answered: off the list.
        services.check_in_confirm(actor=world_a.sro, check_in=mine.check_ins[0], reoffended=False)
        client.logout()
        signed_in(client, world_a.sro)
        assert link(mine, 6) not in client.get(url).text


def test_the_list_makes_the_same_number_of_queries_for_more_check_ins(client, world_a):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("payoff:check_ins"))
        assert response.status_code == 200
        # Links to one check-in each (the navigation links to the list itself).
        return len(queries), len(re.findall(r'href="/payoff/check-ins/\d+/', response.text))

    due = local_noon(world_a, months_later(world_a.agency.today(), 12))
    for _ in range(2):
        make_agreement(world_a)
    with time_machine.travel(due, tick=False):
        signed_in(client, world_a.supervisor)  # sessions last 12 hours
        count_queries()  # the first request of a session does more (the session itself)
        few, shown_few = count_queries()
    for _ in range(4):
        make_agreement(world_a, school=world_a.other_school)
    with time_machine.travel(due, tick=False):
        many, shown_many = count_queries()
    assert (shown_few, shown_many) == (4, 12)
    assert many == few
    assert many <= 12


def test_the_check_in_page_names_the_student_proposes_an_answer_and_records_the_view(
    client, world_a
):
    built = make_agreement(world_a, basis=Basis.MEASURE)
    agreement, student = built.agreement, built.agreement.student
    six = built.check_ins[0]
    reoffence = _incident_for(student, at=local_noon(world_a, agreement.closed_on + timedelta(9)))
    url = reverse("payoff:check_in", args=[six.pk])
    events = AccessEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Agreement), object_id=str(agreement.pk)
    )

    with time_machine.travel(local_noon(world_a, six.due_on), tick=False):
        signed_in(client, world_a.sro)
        response = client.get(url)

    assert response.status_code == 200
    page = response.text
    assert f"Agreement #{agreement.pk}" in page
    assert f"{student.first_name} {student.last_name}" in page
    assert world_a.school.name in page
    assert agreement.get_basis_display() in page
    assert reverse("incidents:detail", args=[reoffence.pk]) in page
    assert "re-offended" in page.split('id="proposed-answer"')[1].split("</p>")[0]
    assert re.search(r'value="yes"[^>]*checked', page)  # the form starts at the proposal
    assert events.count() == 1
    event = events.get()
    assert (event.actor, event.action) == (world_a.sro, AccessEvent.Action.VIEWED)
    assert event.detail == {"page": "check-in", "check_in": six.pk}
    assert student.first_name not in str(event.detail)


def test_the_check_in_page_proposes_no_new_incident_and_hides_incidents_out_of_scope(
    client, world_a
):
    built = make_agreement(world_a)
    six = built.check_ins[0]
    student, closed_on = built.agreement.student, built.agreement.closed_on
    _incident_for(student, at=local_noon(world_a, closed_on + timedelta(5)), role="victim")
    url = reverse("payoff:check_in", args=[six.pk])

    with time_machine.travel(local_noon(world_a, six.due_on), tick=False):
        signed_in(client, world_a.sro)
        page = client.get(url).text
        assert "no new incident found" in page
        assert re.search(r'value="no"[^>]*checked', page)
        # A re-offence at a school the SRO does not cover: counted, not shown.
        elsewhere = _incident_for(
            student,
            at=local_noon(world_a, closed_on + timedelta(7)),
            school=world_a.other_school,
        )
        page = client.get(url).text
    answer = page.split('id="proposed-answer"')[1].split("</p>")[0]
    assert "re-offended" in answer
    assert "1 incident at a school you do not see." in page
    assert reverse("incidents:detail", args=[elsewhere.pk]) not in page


def test_confirming_on_the_page_before_the_due_date_is_refused_with_a_message(client, world_a):
    six = make_agreement(world_a).check_ins[0]
    url = reverse("payoff:check_in", args=[six.pk])
    signed_in(client, world_a.sro)
    page = client.get(url).text
    assert "This check-in is not due yet" in page
    assert 'id="submit-check-in"' not in page

    response = client.post(url, {"reoffended": "no"})

    assert response.status_code == 400
    assert "This check-in is not due yet." in response.text
    six.refresh_from_db()
    assert six.reoffended is None


def test_confirming_on_the_page_saves_the_answer_and_cancels_the_reminder(client, world_a):
    six = make_agreement(world_a).check_ins[0]
    url = reverse("payoff:check_in", args=[six.pk])
    with time_machine.travel(local_noon(world_a, six.due_on + timedelta(days=3)), tick=False):
        signed_in(client, world_a.sro)
        assert 'id="submit-check-in"' in client.get(url).text
        response = client.post(url, {"reoffended": "yes"})
        assert response.status_code == 302
        assert response.url == reverse("payoff:check_ins")
        six.refresh_from_db()
        assert (six.reoffended, six.confirmed_by) == (True, world_a.sro)
        assert check_in_reminders(six).get().state == Reminder.State.CANCELLED
        # The page then shows the answer, and lets it be corrected.
        page = client.get(url).text
        assert "Re-offended" in page and "Change the answer" in page
        assert client.post(url, {"reoffended": "no"}).status_code == 302
        six.refresh_from_db()
        assert six.reoffended is False


def test_an_invalid_answer_is_refused(client, world_a):
    six = make_agreement(world_a).check_ins[0]
    url = reverse("payoff:check_in", args=[six.pk])
    with time_machine.travel(local_noon(world_a, six.due_on), tick=False):
        signed_in(client, world_a.sro)
        assert client.post(url, {"reoffended": "maybe"}).status_code == 400
    six.refresh_from_db()
    assert six.reoffended is None


def test_school_admins_get_404_on_a_check_in_even_of_a_school_administered_agreement(
    client, world_a
):
    built = make_agreement(world_a, basis=Basis.SCHOOL)
    for check_in in built.check_ins:
        url = reverse("payoff:check_in", args=[check_in.pk])
        with time_machine.travel(local_noon(world_a, check_in.due_on), tick=False):
            signed_in(client, world_a.school_admin)
            assert client.get(url).status_code == 404
            assert client.post(url, {"reoffended": "no"}).status_code == 404
        check_in.refresh_from_db()
        assert check_in.reoffended is None
    assert not AccessEvent.objects.filter(actor=world_a.school_admin).exists()


def test_an_sro_gets_404_on_a_check_in_at_a_school_they_do_not_cover(client, world_a):
    built = make_agreement(world_a, school=world_a.other_school)
    signed_in(client, world_a.sro)
    url = reverse("payoff:check_in", args=[built.check_ins[0].pk])
    assert client.get(url).status_code == 404
    client.logout()
    signed_in(client, world_a.supervisor)
    assert client.get(url).status_code == 200


def test_the_check_in_pages_need_a_signed_in_user(client, world_a):
    six = make_agreement(world_a).check_ins[0]
    for url in (
        reverse("payoff:check_ins"),
        reverse("payoff:check_in", args=[six.pk]),
        reverse("payoff:rates"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response.url
