"""The PAYOFF agreement pages through the real pages and database: drafting, tasks, consent,
activation, the work ledger and how an agreement ends, for a police-diversion agreement and a
school-administered one; who sees which agreement on which page; the youth's statement kept to its
own page; one access event per view; forged posts refused; constant query counts."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from payoff import services
from payoff.models import Agreement, Basis, CheckIn, Statement, Task, TaskKind, WorkSession
from sro_portal.accounts.models import Role
from sro_portal.audit.models import AccessEvent
from tests.factories import (
    IncidentFactory,
    InvolvementFactory,
    SchoolMembershipFactory,
    StudentFactory,
)
from tests.helpers import signed_in

pytestmark = pytest.mark.django_db

POLICE = [Role.ADMIN, Role.SUPERVISOR, Role.SRO]
STATEMENT = "I sprayed the tag on the stairwell wall and I am sorry for it."
OFFENCE = "Spray-painted a tag on the east stairwell wall."
# Every page about one agreement, and whether it answers GET (True) or takes POST only.
AGREEMENT_PAGES = {
    "payoff:detail": True,
    "payoff:edit": True,
    "payoff:consent": True,
    "payoff:statement": True,
    "payoff:print": True,
    "payoff:progress_card": True,
    "payoff:task_add": False,
    "payoff:activate": False,
    "payoff:session_add": False,
    "payoff:complete": False,
    "payoff:not_completed": False,
    "payoff:withdraw": False,
}


# --- Helpers ------------------------------------------------------------------------------------


def today(world):
    return world.agency.today()


def make_agreement(world, *, basis=Basis.SANCTION, school=None, student=None, **fields):
    """A draft through the service, as the agency admin (who sees every school)."""
    school = school or world.school
    student = student or StudentFactory(school=school)
    values = {
        "offence": OFFENCE,
        "offence_on": today(world) - timedelta(days=10),
        "officer": world.sro,
        "starts_on": today(world) - timedelta(days=7),
        "due_on": today(world) + timedelta(days=30),
    }
    return services.agreement_draft(
        actor=world.admin, student=student, basis=basis, **(values | fields)
    )


def add_task(world, agreement, required="2", unit=Task.Unit.HOURS) -> Task:
    return services.task_add(
        actor=world.admin,
        agreement=agreement,
        kind=TaskKind.RESTORATIVE,
        unit=unit,
        required=Decimal(required),
        description="Repaint the east stairwell",
    )


def record_consent(world, agreement, statement=STATEMENT):
    now = timezone.now()
    return services.consent_record(
        actor=world.admin,
        agreement=agreement,
        statement=statement,
        informed_at=now - timedelta(days=3),
        counsel_advised_at=now - timedelta(days=2),
        consented_at=now - timedelta(days=1),
        consent_method="in_person",
        responsibility_accepted=True,
        parent_name="Jordan Parent",
        parent_notified_at=now - timedelta(days=1),
        parent_notification_method="phone",
    )


def active_agreement(world, *, basis=Basis.SANCTION, **fields):
    agreement = make_agreement(world, basis=basis, **fields)
    task = add_task(world, agreement)
    record_consent(world, agreement)
    services.agreement_activate(actor=world.admin, agreement=agreement)
    return agreement, task


def log(world, agreement, task, *, hours="1", days_ago=1):
    return services.session_log(
        actor=world.admin,
        agreement=agreement,
        task=task,
        on=today(world) - timedelta(days=days_ago),
        hours=Decimal(hours),
        what_was_done="Sanded and primed the wall",
        # The SRO works at world.school only; elsewhere a teacher verifies.
        verified_by=world.sro if agreement.school_id == world.school.pk else None,
        verifier_name="" if agreement.school_id == world.school.pk else "Ms. Teacher",
    )


def url(name, obj) -> str:
    return reverse(name, args=[obj.pk])


def local(moment: datetime, world) -> str:
    """A moment as a datetime-local input shows it, on the agency's clock."""
    return moment.astimezone(world.agency.tzinfo).strftime("%Y-%m-%dT%H:%M")


def agreement_form(world, student, **extra) -> dict:
    return {
        "student": student.pk,
        "incident": "",
        "offence": OFFENCE,
        "offence_on": (today(world) - timedelta(days=3)).isoformat(),
        "officer": world.sro.pk,
        "co_signer": "",
        "basis": Basis.MEASURE,
        "starts_on": (today(world) - timedelta(days=2)).isoformat(),
        "due_on": (today(world) + timedelta(days=30)).isoformat(),
        **extra,
    }


def consent_form(world, **extra) -> dict:
    now = timezone.now()
    return {
        "informed_at": local(now - timedelta(hours=5), world),
        "counsel_advised_at": local(now - timedelta(hours=4), world),
        "consented_at": local(now - timedelta(hours=2), world),
        "consent_method": "in_person",
        "responsibility_accepted": "on",
        "parent_name": "Jordan Parent",
        "parent_notified_at": local(now - timedelta(hours=1), world),
        "parent_notification_method": "phone",
        "statement": STATEMENT,
        **extra,
    }


def session_form(world, task, **extra) -> dict:
    return {
        "task": task.pk,
        "date": (today(world) - timedelta(days=1)).isoformat(),
        "hours": "1",
        "what_was_done": "Sanded and primed the wall",
        "verified_by": world.sro.pk,
        "verifier_name": "",
        **extra,
    }


def views_of(agreement) -> int:
    return AccessEvent.objects.filter(
        content_type__model="agreement",
        object_id=str(agreement.pk),
        action=AccessEvent.Action.VIEWED,
    ).count()


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def text(response) -> str:
    return response.content.decode()


# --- The journeys -------------------------------------------------------------------------------


def test_a_police_diversion_sanction_goes_from_draft_to_completed_through_the_pages(
    client, world_a
):
    student = StudentFactory(school=world_a.school, first_name="Quinlan", last_name="Marchetti")
    signed_in(client, world_a.sro)
    assert client.get(reverse("payoff:create") + f"?student={student.pk}").status_code == 200

    response = client.post(
        reverse("payoff:create"), agreement_form(world_a, student, basis=Basis.SANCTION)
    )
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response.url == url("payoff:detail", agreement)
    assert (agreement.student, agreement.school, agreement.basis) == (
        student,
        world_a.school,
        Basis.SANCTION,
    )
    assert agreement.status == Agreement.Status.DRAFT
    assert all("Quinlan" not in m and "Marchetti" not in m for m in flash(response))

    response = client.post(
        url("payoff:task_add", agreement),
        {"kind": TaskKind.RESTORATIVE, "unit": "hours", "required": "2", "description": "Paint"},
    )
    assert response.status_code == 302
    task = Task.objects.get(agreement=agreement)

    assert client.get(url("payoff:consent", agreement)).status_code == 200
    response = client.post(url("payoff:consent", agreement), consent_form(world_a))
    assert response.status_code == 302, response.context["form"].errors
    agreement.refresh_from_db()
    assert agreement.responsibility_accepted and agreement.parent_name == "Jordan Parent"
    assert Statement.objects.get(agreement=agreement).text == STATEMENT

    response = client.post(url("payoff:activate", agreement))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE
    assert agreement.purge_after is not None  # two years after consent, for a sanction

    for days_ago in (2, 1):
        response = client.post(
            url("payoff:session_add", agreement),
            session_form(world_a, task, date=(today(world_a) - timedelta(days_ago)).isoformat()),
        )
        assert response.status_code == 302
    assert WorkSession.objects.filter(agreement=agreement).count() == 2
    detail = client.get(url("payoff:detail", agreement))
    assert "2 of 2 hours" in text(detail)

    response = client.post(url("payoff:complete", agreement))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.COMPLETED
    check_ins = list(CheckIn.objects.filter(agreement=agreement).order_by("months"))
    assert [c.months for c in check_ins] == [6, 12]
    detail = client.get(url("payoff:detail", agreement))
    for check_in in check_ins:
        assert reverse("payoff:check_in", args=[check_in.pk]) in text(detail)


def test_a_school_administered_agreement_goes_from_draft_to_completed_through_the_pages(
    client, world_a
):
    student = StudentFactory(school=world_a.school)
    signed_in(client, world_a.sro)
    response = client.post(
        reverse("payoff:create"),
        agreement_form(world_a, student, basis=Basis.SCHOOL, co_signer=world_a.school_admin.pk),
    )
    agreement = Agreement.objects.get()
    assert agreement.co_signer == world_a.school_admin
    client.post(
        url("payoff:task_add", agreement),
        {"kind": TaskKind.EXTRACURRICULAR, "unit": "sessions", "required": "2"},
    )
    task = Task.objects.get(agreement=agreement)
    # A school-administered agreement needs its tasks; the YCJA's consent rules are police'.
    response = client.post(url("payoff:activate", agreement))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE

    # The principal logs the work, verified by themselves or by a teacher named.
    principal = signed_in(client.__class__(), world_a.school_admin)
    response = principal.post(
        url("payoff:session_add", agreement),
        session_form(world_a, task, verified_by=world_a.school_admin.pk),
    )
    assert response.status_code == 302
    response = principal.post(
        url("payoff:session_add", agreement),
        session_form(world_a, task, verified_by="", verifier_name="Ms. Okafor (coach)"),
    )
    assert response.status_code == 302
    assert WorkSession.objects.filter(agreement=agreement).count() == 2
    # ... but does not complete it: police roles do.
    assert principal.post(url("payoff:complete", agreement)).status_code == 403

    response = client.post(url("payoff:complete", agreement))
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.COMPLETED
    print_page = principal.get(url("payoff:print", agreement))
    assert "School administrator" in text(print_page)


def test_an_agreement_drafted_from_an_incident_offers_its_subjects(client, world_a):
    incident = IncidentFactory(school=world_a.school)
    subject = InvolvementFactory(incident=incident).student
    bystander = StudentFactory(school=world_a.school)
    InvolvementFactory(incident=incident, role="witness", student=bystander)
    signed_in(client, world_a.sro)

    response = client.get(reverse("payoff:create") + f"?incident={incident.pk}")

    choices = set(response.context["form"].fields["student"].queryset)
    assert choices == {subject}
    assert response.context["form"].initial["student"] == subject.pk
    # A student who is not a subject of the incident is refused with the incident.
    response = client.post(
        reverse("payoff:create"), agreement_form(world_a, bystander, incident=incident.pk)
    )
    assert response.status_code == 200
    assert "incident" in response.context["form"].errors
    assert not Agreement.objects.exists()
    response = client.post(
        reverse("payoff:create"), agreement_form(world_a, subject, incident=incident.pk)
    )
    assert Agreement.objects.get().incident == incident


def test_activation_is_refused_with_the_problems_listed_when_consent_is_missing(client, world_a):
    agreement = make_agreement(world_a, basis=Basis.SANCTION)
    add_task(world_a, agreement)
    signed_in(client, world_a.sro)

    detail = client.get(url("payoff:detail", agreement))
    assert 'id="submit-activate" disabled' in text(detail)
    assert "Record when the youth consented." in text(detail)

    response = client.post(url("payoff:activate", agreement))

    assert response.status_code == 400
    page = text(response)
    assert "The agreement cannot start yet" in page
    for problem in (
        "Record when the youth consented.",
        "Record when the youth was advised of the right to counsel.",
        "Record which parent or guardian was notified.",
        "The youth must accept responsibility.",
    ):
        assert problem in page
    assert "Consented:" in page  # by field
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DRAFT


def test_a_youth_who_asks_for_court_cannot_be_enrolled(client, world_a):
    agreement = make_agreement(world_a, basis=Basis.SANCTION)
    add_task(world_a, agreement)
    signed_in(client, world_a.sro)
    client.post(url("payoff:consent", agreement), consent_form(world_a, requests_court="on"))

    response = client.post(url("payoff:activate", agreement))

    assert response.status_code == 400
    assert "A youth who asks for court cannot be enrolled." in text(response)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DRAFT


def test_completion_is_refused_while_tasks_are_unfinished(client, world_a):
    agreement, task = active_agreement(world_a)
    log(world_a, agreement, task, hours="1")
    signed_in(client, world_a.sro)

    response = client.post(url("payoff:complete", agreement))

    assert response.status_code == 400
    assert "The agreement cannot be completed yet." in text(response)
    assert "Some tasks are not done yet: Repaint the east stairwell" in text(response)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE
    assert not CheckIn.objects.exists()


# --- Consent ------------------------------------------------------------------------------------


def test_consent_is_read_on_the_agency_s_clock(client, world_a):
    agreement = make_agreement(world_a)
    signed_in(client, world_a.sro)
    yesterday = today(world_a) - timedelta(days=1)
    form = consent_form(world_a, consented_at=f"{yesterday.isoformat()}T16:30")
    form["counsel_advised_at"] = f"{yesterday.isoformat()}T15:00"
    form["informed_at"] = f"{yesterday.isoformat()}T14:45"

    assert client.post(url("payoff:consent", agreement), form).status_code == 302

    agreement.refresh_from_db()
    expected = datetime.combine(yesterday, time(16, 30), tzinfo=world_a.agency.tzinfo)
    assert agreement.consented_at == expected


def test_consent_before_the_advice_on_counsel_is_refused_next_to_the_field(client, world_a):
    agreement = make_agreement(world_a)
    signed_in(client, world_a.sro)
    now = timezone.now()
    form = consent_form(
        world_a,
        counsel_advised_at=local(now - timedelta(hours=1), world_a),
        consented_at=local(now - timedelta(hours=3), world_a),
    )

    response = client.post(url("payoff:consent", agreement), form)

    assert response.status_code == 400
    assert "consented_at" in response.context["form"].errors
    agreement.refresh_from_db()
    assert agreement.consented_at is None
    assert not Statement.objects.exists()


def test_consent_in_the_future_is_refused(client, world_a):
    agreement = make_agreement(world_a)
    signed_in(client, world_a.sro)
    form = consent_form(
        world_a, parent_notified_at=local(timezone.now() + timedelta(days=1), world_a)
    )

    response = client.post(url("payoff:consent", agreement), form)

    assert response.status_code == 400
    assert "parent_notified_at" in response.context["form"].errors


def test_the_consent_page_is_for_drafts_and_police_roles(client, world_a):
    agreement, _task = active_agreement(world_a)
    signed_in(client, world_a.sro)
    response = client.get(url("payoff:consent", agreement))
    assert response.status_code == 302
    assert response.url == url("payoff:detail", agreement) + "#consent"
    school_agreement = make_agreement(world_a, basis=Basis.SCHOOL)
    signed_in(client, world_a.school_admin)
    assert client.get(url("payoff:consent", school_agreement)).status_code == 403


# --- Who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", POLICE)
def test_police_roles_see_the_agreements_of_their_schools(client, world_a, role):
    here = make_agreement(world_a, basis=Basis.MEASURE)
    there = make_agreement(world_a, basis=Basis.SANCTION, school=world_a.other_school)
    signed_in(client, world_a.users[role])

    listed = set(client.get(reverse("payoff:list")).context["page"].object_list)

    if role == Role.SRO:  # assigned to world_a.school only
        assert listed == {here}
        assert client.get(url("payoff:detail", there)).status_code == 404
    else:
        assert listed == {here, there}


def test_the_list_filters_by_status_basis_and_school(client, world_a):
    measure = make_agreement(world_a, basis=Basis.MEASURE)
    school = make_agreement(world_a, basis=Basis.SCHOOL, school=world_a.other_school)
    active, _task = active_agreement(world_a)
    signed_in(client, world_a.supervisor)

    def listed(**params):
        return set(client.get(reverse("payoff:list"), params).context["page"].object_list)

    assert listed(basis=Basis.SCHOOL) == {school}
    assert listed(status=Agreement.Status.ACTIVE) == {active}
    assert listed(school=world_a.school.pk) == {measure, active}
    assert listed(school=world_a.school.pk, status="draft") == {measure}


def test_the_school_admin_sees_the_school_administered_agreement_of_their_school(client, world_a):
    agreement = make_agreement(world_a, basis=Basis.SCHOOL)
    record_consent(world_a, agreement)
    signed_in(client, world_a.school_admin)

    assert set(client.get(reverse("payoff:list")).context["page"].object_list) == {agreement}
    for name in ("payoff:detail", "payoff:print", "payoff:progress_card"):
        response = client.get(url(name, agreement))
        assert response.status_code == 200, name
        assert agreement.student.last_name in text(response)
    detail = text(client.get(url("payoff:detail", agreement)))
    assert url("payoff:statement", agreement) not in detail
    assert "Jordan Parent" in detail  # the consent record, without the statement
    # The statement is for police roles only, even on the school's own agreement.
    assert client.get(url("payoff:statement", agreement)).status_code == 404


def test_the_school_admin_gets_404_on_every_page_of_a_police_diversion_agreement_at_their_school(
    client, world_a
):
    agreement = make_agreement(world_a, basis=Basis.MEASURE)
    task = add_task(world_a, agreement)
    record_consent(world_a, agreement)
    signed_in(client, world_a.school_admin)
    before = (Agreement.objects.get().status, Task.objects.count(), WorkSession.objects.count())

    for name, answers_get in AGREEMENT_PAGES.items():
        if answers_get:
            assert client.get(url(name, agreement)).status_code == 404, name
        assert client.post(url(name, agreement), {"reason": "x"}).status_code == 404, name
    assert client.post(url("payoff:task_remove", task)).status_code == 404
    assert list(client.get(reverse("payoff:list")).context["page"].object_list) == []
    after = (Agreement.objects.get().status, Task.objects.count(), WorkSession.objects.count())
    assert after == before
    assert views_of(agreement) == 0


def test_the_admin_of_another_school_sees_neither_kind(client, world_a):
    school_agreement = make_agreement(world_a, basis=Basis.SCHOOL)
    police_agreement = make_agreement(world_a, basis=Basis.SANCTION)
    other_admin = SchoolMembershipFactory(school=world_a.other_school).user
    signed_in(client, other_admin)

    assert list(client.get(reverse("payoff:list")).context["page"].object_list) == []
    for agreement in (school_agreement, police_agreement):
        for name in ("payoff:detail", "payoff:print", "payoff:progress_card", "payoff:statement"):
            assert client.get(url(name, agreement)).status_code == 404


@pytest.mark.parametrize("role", Role.values)
def test_another_agency_s_agreements_answer_404_on_every_page(client, world_a, world_b, role):
    agreement = make_agreement(world_b, basis=Basis.SCHOOL)
    task = add_task(world_b, agreement)
    signed_in(client, world_a.users[role])

    for name, answers_get in AGREEMENT_PAGES.items():
        if answers_get:
            assert client.get(url(name, agreement)).status_code == 404, name
        assert client.post(url(name, agreement), {"reason": "Forged"}).status_code == 404, name
    assert client.post(url("payoff:task_remove", task)).status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DRAFT
    assert Task.objects.filter(pk=task.pk).exists()


def test_the_school_admin_may_not_change_terms_or_status(client, world_a):
    draft = make_agreement(world_a, basis=Basis.SCHOOL)
    task = add_task(world_a, draft)
    signed_in(client, world_a.school_admin)

    assert client.get(url("payoff:edit", draft)).status_code == 403
    assert client.post(url("payoff:activate", draft)).status_code == 403
    assert client.post(url("payoff:withdraw", draft), {"reason": "x"}).status_code == 403
    assert client.post(url("payoff:task_remove", task)).status_code == 403
    assert client.get(reverse("payoff:create")).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Agreement.Status.DRAFT


# --- The statement stays on its own page --------------------------------------------------------


@pytest.mark.parametrize("role", POLICE)
def test_the_statement_appears_only_on_its_own_page(client, world_a, role):
    agreement, task = active_agreement(world_a, basis=Basis.SANCTION)
    log(world_a, agreement, task)
    signed_in(client, world_a.users[role])

    for page in (
        reverse("payoff:list"),
        url("payoff:detail", agreement),
        url("payoff:print", agreement),
        url("payoff:progress_card", agreement),
    ):
        response = client.get(page)
        assert response.status_code == 200, page
        assert STATEMENT not in text(response), page
        assert "sprayed the tag" not in text(response), page

    response = client.get(url("payoff:statement", agreement))
    assert response.status_code == 200
    assert STATEMENT in text(response)
    assert "never printed, exported" in text(response)


def test_the_statement_never_reaches_the_school_admin(client, world_a):
    agreement = make_agreement(world_a, basis=Basis.SCHOOL)
    add_task(world_a, agreement)
    record_consent(world_a, agreement)
    signed_in(client, world_a.school_admin)

    for page in (
        reverse("payoff:list"),
        url("payoff:detail", agreement),
        url("payoff:print", agreement),
        url("payoff:progress_card", agreement),
    ):
        assert STATEMENT not in text(client.get(page)), page


def test_the_statement_page_says_when_there_is_none(client, world_a):
    agreement = make_agreement(world_a)
    signed_in(client, world_a.sro)
    response = client.get(url("payoff:statement", agreement))
    assert response.status_code == 200
    assert "No statement was recorded." in text(response)


# --- Access events ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["payoff:detail", "payoff:print", "payoff:progress_card", "payoff:statement"]
)
def test_each_view_of_an_agreement_writes_one_access_event(client, world_a, name):
    agreement, _task = active_agreement(world_a)
    signed_in(client, world_a.sro)

    assert client.get(url(name, agreement)).status_code == 200

    assert views_of(agreement) == 1
    event = AccessEvent.objects.get()
    assert (event.actor, event.agency) == (world_a.sro, world_a.agency)


def test_the_list_writes_one_access_event_per_agreement_listed(client, world_a):
    listed = [make_agreement(world_a) for _ in range(3)]
    elsewhere = make_agreement(world_a, school=world_a.other_school)  # not the SRO's school
    signed_in(client, world_a.sro)

    client.get(reverse("payoff:list"))

    assert [views_of(agreement) for agreement in listed] == [1, 1, 1]
    assert views_of(elsewhere) == 0
    assert AccessEvent.objects.count() == 3


def test_a_school_admin_s_views_are_recorded_too(client, world_a):
    agreement = make_agreement(world_a, basis=Basis.SCHOOL)
    signed_in(client, world_a.school_admin)
    client.get(url("payoff:detail", agreement))
    client.get(url("payoff:print", agreement))
    assert views_of(agreement) == 2


# --- Forged posts -------------------------------------------------------------------------------


def test_a_session_for_a_task_of_another_agreement_is_refused(client, world_a):
    agreement, _task = active_agreement(world_a)
    _other, other_task = active_agreement(world_a)
    signed_in(client, world_a.sro)

    response = client.post(url("payoff:session_add", agreement), session_form(world_a, other_task))

    assert response.status_code == 400
    assert "task" in response.context["session_form"].errors
    assert not WorkSession.objects.exists()


def test_a_student_of_another_school_or_agency_is_refused_at_create(client, world_a, world_b):
    signed_in(client, world_a.sro)
    for student in (
        StudentFactory(school=world_a.other_school),  # not the SRO's school
        StudentFactory(school=world_b.school),
    ):
        response = client.post(reverse("payoff:create"), agreement_form(world_a, student))
        assert response.status_code == 200
        assert "student" in response.context["form"].errors
    assert not Agreement.objects.exists()


def test_a_co_signer_of_another_school_is_refused(client, world_a, world_b):
    student = StudentFactory(school=world_a.school)
    elsewhere = SchoolMembershipFactory(school=world_a.other_school).user
    signed_in(client, world_a.supervisor)

    response = client.post(
        reverse("payoff:create"), agreement_form(world_a, student, co_signer=elsewhere.pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["co_signer"] == [
        "Choose an administrator of the school."
    ]
    response = client.post(
        reverse("payoff:create"),
        agreement_form(world_a, student, co_signer=world_b.school_admin.pk),
    )
    assert "co_signer" in response.context["form"].errors
    assert not Agreement.objects.exists()


def test_a_forged_co_signer_on_edit_changes_nothing(client, world_a):
    agreement = make_agreement(world_a, basis=Basis.SCHOOL, co_signer=world_a.school_admin)
    elsewhere = SchoolMembershipFactory(school=world_a.other_school).user
    signed_in(client, world_a.sro)
    form = agreement_form(world_a, agreement.student, basis=Basis.SCHOOL, co_signer=elsewhere.pk)

    response = client.post(url("payoff:edit", agreement), form)

    assert response.status_code == 200
    assert "co_signer" in response.context["form"].errors
    agreement.refresh_from_db()
    assert agreement.co_signer == world_a.school_admin


# --- The work ledger's rules --------------------------------------------------------------------


@pytest.mark.parametrize("hours", ["0.2", "8.25", "0.3", "0", "-1"])
def test_session_hours_are_a_quarter_hour_to_eight_hours(client, world_a, hours):
    agreement, task = active_agreement(world_a)
    signed_in(client, world_a.sro)

    response = client.post(
        url("payoff:session_add", agreement), session_form(world_a, task, hours=hours)
    )

    assert response.status_code == 400
    assert "hours" in response.context["session_form"].errors
    assert not WorkSession.objects.exists()


@pytest.mark.parametrize("hours", ["0.25", "8", "7.75"])
def test_session_hours_at_the_edges_are_accepted(client, world_a, hours):
    agreement, task = active_agreement(world_a)
    signed_in(client, world_a.sro)
    response = client.post(
        url("payoff:session_add", agreement), session_form(world_a, task, hours=hours)
    )
    assert response.status_code == 302
    assert WorkSession.objects.get().hours == Decimal(hours)


def test_a_session_before_the_start_or_in_the_future_is_refused(client, world_a):
    agreement, task = active_agreement(world_a)
    signed_in(client, world_a.sro)
    for day, message in (
        (agreement.starts_on - timedelta(days=1), "The agreement had not started on that day."),
        (today(world_a) + timedelta(days=1), "A session cannot be logged before it happens."),
    ):
        response = client.post(
            url("payoff:session_add", agreement),
            session_form(world_a, task, date=day.isoformat()),
        )
        assert response.status_code == 400
        assert response.context["session_form"].errors["date"] == [message]
    assert not WorkSession.objects.exists()


def test_a_session_needs_one_verifier(client, world_a):
    agreement, task = active_agreement(world_a)
    signed_in(client, world_a.sro)
    for extra in (
        {"verified_by": "", "verifier_name": ""},
        {"verified_by": world_a.sro.pk, "verifier_name": "Ms. Okafor"},
        {"verified_by": world_a.supervisor.pk},  # not an SRO or school admin of the school
    ):
        response = client.post(
            url("payoff:session_add", agreement), session_form(world_a, task, **extra)
        )
        assert response.status_code == 400, extra
    assert not WorkSession.objects.exists()


def test_no_session_on_a_draft(client, world_a):
    agreement = make_agreement(world_a)
    task = add_task(world_a, agreement)
    signed_in(client, world_a.sro)
    response = client.post(url("payoff:session_add", agreement), session_form(world_a, task))
    assert response.status_code == 400
    assert "no longer in a state that allows this" in text(response)
    assert not WorkSession.objects.exists()


def test_no_task_is_added_once_active(client, world_a):
    agreement, _task = active_agreement(world_a)
    signed_in(client, world_a.sro)
    response = client.post(
        url("payoff:task_add", agreement),
        {"kind": TaskKind.APOLOGY, "unit": "sessions", "required": "1"},
    )
    assert response.status_code == 400
    assert "no longer in a state that allows this" in text(response)
    assert Task.objects.filter(agreement=agreement).count() == 1


# --- How it ends --------------------------------------------------------------------------------


def test_an_sro_may_not_record_not_completed(client, world_a):
    agreement, _task = active_agreement(world_a)
    signed_in(client, world_a.sro)
    form = {"reason": "Stopped coming", "next_step": "referral"}

    assert client.post(url("payoff:not_completed", agreement), form).status_code == 403
    assert "submit-not-completed" not in text(client.get(url("payoff:detail", agreement)))
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_supervisors_and_admins_record_not_completed(client, world_a, role):
    agreement, _task = active_agreement(world_a)
    signed_in(client, world_a.users[role])
    assert "submit-not-completed" in text(client.get(url("payoff:detail", agreement)))

    response = client.post(url("payoff:not_completed", agreement), {"reason": "", "next_step": ""})
    assert response.status_code == 400
    response = client.post(
        url("payoff:not_completed", agreement),
        {"reason": "Stopped coming after two weeks", "next_step": "referral"},
    )

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.NOT_COMPLETED
    assert (agreement.next_step, agreement.approved_by) == ("referral", world_a.users[role])


def test_withdrawal_needs_a_reason(client, world_a):
    agreement = make_agreement(world_a)
    signed_in(client, world_a.sro)
    response = client.post(url("payoff:withdraw", agreement), {"reason": "  "})
    assert response.status_code == 400
    response = client.post(url("payoff:withdraw", agreement), {"reason": "The victim withdrew"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.WITHDRAWN


def test_only_a_draft_is_edited(client, world_a):
    agreement, _task = active_agreement(world_a)
    signed_in(client, world_a.sro)
    response = client.get(url("payoff:edit", agreement))
    assert response.status_code == 302
    assert flash(response) == ["Only a draft can be edited."]


def test_a_draft_is_edited_and_tasks_removed(client, world_a):
    agreement = make_agreement(world_a, basis=Basis.MEASURE)
    task = add_task(world_a, agreement)
    signed_in(client, world_a.sro)
    form = agreement_form(world_a, agreement.student, basis=Basis.SANCTION, offence="Tagging")

    assert client.post(url("payoff:edit", agreement), form).status_code == 302
    assert client.post(url("payoff:task_remove", task)).status_code == 302

    agreement.refresh_from_db()
    assert (agreement.basis, agreement.offence) == (Basis.SANCTION, "Tagging")
    assert not Task.objects.exists()


def test_dates_are_checked_on_the_draft(client, world_a):
    student = StudentFactory(school=world_a.school)
    signed_in(client, world_a.sro)
    form = agreement_form(
        world_a,
        student,
        offence_on=(today(world_a) + timedelta(days=1)).isoformat(),
        due_on=(today(world_a) - timedelta(days=5)).isoformat(),
    )
    response = client.post(reverse("payoff:create"), form)
    errors = response.context["form"].errors
    assert {"offence_on", "due_on"} <= set(errors)
    assert not Agreement.objects.exists()


# --- Names stay out of titles, URLs and flash messages ------------------------------------------


def test_titles_and_flash_messages_carry_the_number_not_the_name(client, world_a):
    student = StudentFactory(school=world_a.school, first_name="Xiomara", last_name="Vanterpool")
    agreement, task = active_agreement(world_a, student=student)
    signed_in(client, world_a.sro)
    response = client.post(url("payoff:session_add", agreement), session_form(world_a, task))
    assert all("Xiomara" not in m for m in flash(response))
    for page in ("payoff:detail", "payoff:print", "payoff:progress_card", "payoff:statement"):
        html = text(client.get(url(page, agreement)))
        title = html.split("<title>", 1)[1].split("</title>", 1)[0]
        assert f"#{agreement.pk}" in title
        assert "Xiomara" not in title and "Vanterpool" not in title


# --- Query counts -------------------------------------------------------------------------------


def _queries(client, page) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page).status_code == 200
    return len(captured)


def test_the_list_s_queries_do_not_grow_with_the_agreements(client, world_a):
    agreement, task = active_agreement(world_a)
    log(world_a, agreement, task)
    signed_in(client, world_a.supervisor)
    client.get(reverse("payoff:list"))  # warm the content-type cache
    one = _queries(client, reverse("payoff:list"))

    for _ in range(14):
        more, more_task = active_agreement(world_a, school=world_a.other_school)
        log(world_a, more, more_task, hours="0.5")
    many = _queries(client, reverse("payoff:list"))

    assert many == one <= 10
    assert len(client.get(reverse("payoff:list")).context["page"].object_list) == 15


def test_the_list_shows_progress(client, world_a):
    agreement, task = active_agreement(world_a)  # 2 hours required
    log(world_a, agreement, task, hours="1.5")
    signed_in(client, world_a.sro)
    page = client.get(reverse("payoff:list")).text
    assert '<progress value="75" max="100"' in page
    assert '<span class="small">75%</span>' in page


def test_the_detail_s_queries_do_not_grow_with_the_sessions(client, world_a):
    agreement, task = active_agreement(world_a)
    log(world_a, agreement, task)
    signed_in(client, world_a.supervisor)
    client.get(url("payoff:detail", agreement))
    one = _queries(client, url("payoff:detail", agreement))

    for number in range(19):
        log(world_a, agreement, task, hours="0.25", days_ago=number % 7)
    many = _queries(client, url("payoff:detail", agreement))

    assert many == one <= 16
    assert WorkSession.objects.filter(agreement=agreement).count() == 20
