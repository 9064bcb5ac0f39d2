"""PAYOFF rules at the service level: what activation requires, the ledger, completion."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.models import Outcome, Response
from payoff import services
from payoff.models import Agreement, Basis, CheckIn
from tests import factories

pytestmark = pytest.mark.django_db


def _aware(day: date, hour: int, tz) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour), tz)


@pytest.fixture
def student(world_a):
    today = world_a.agency.today()
    return factories.StudentFactory(
        school=world_a.school, date_of_birth=date(today.year - 15, 1, 1)
    )


def _draft(world, student, basis=Basis.SANCTION, **extra):
    today = world.agency.today()
    fields = {
        "offence": "Took a classmate's phone",
        "offence_on": today - timedelta(days=10),
        "officer": world.sro,
        "starts_on": today - timedelta(days=5),
        "due_on": today + timedelta(days=30),
    } | extra
    agreement = services.agreement_draft(actor=world.sro, student=student, basis=basis, **fields)
    services.task_add(
        actor=world.sro,
        agreement=agreement,
        kind="restorative",
        unit="hours",
        required=Decimal("2"),
    )
    return agreement


def _full_consent(world):
    tz = world.agency.tzinfo
    day = world.agency.today() - timedelta(days=6)
    return {
        "informed_at": _aware(day, 9, tz),
        "counsel_advised_at": _aware(day, 10, tz),
        "consented_at": _aware(day, 14, tz),
        "consent_method": "in_person",
        "responsibility_accepted": True,
        "denies_involvement": False,
        "requests_court": False,
        "parent_name": "A. Guardian",
        "parent_notified_at": _aware(day, 15, tz),
        "parent_notification_method": "phone",
    }


def test_a_complete_record_activates_with_a_two_year_access_period(world_a, student):
    agreement = _draft(world_a, student)
    services.consent_record(
        actor=world_a.sro,
        agreement=agreement,
        **_full_consent(world_a),
        statement="I took the phone and I am sorry.",
    )
    services.agreement_activate(actor=world_a.sro, agreement=agreement)
    agreement.refresh_from_db()
    consented = timezone.localtime(agreement.consented_at, world_a.agency.tzinfo).date()
    assert agreement.status == Agreement.Status.ACTIVE
    assert agreement.purge_after == consented.replace(year=consented.year + 2)


REQUIREMENTS = [
    ("informed_at", None),
    ("counsel_advised_at", None),
    ("consented_at", None),
    ("consent_method", ""),
    ("responsibility_accepted", False),
    ("parent_name", ""),
    ("parent_notified_at", None),
    ("parent_notification_method", ""),
]


@pytest.mark.parametrize(("field", "missing"), REQUIREMENTS, ids=[f for f, _ in REQUIREMENTS])
def test_each_missing_requirement_blocks_activation(world_a, student, field, missing):
    agreement = _draft(world_a, student)
    consent = _full_consent(world_a) | {field: missing}
    if field == "counsel_advised_at":
        consent["consented_at"] = None  # consent without the advice is refused outright
    services.consent_record(actor=world_a.sro, agreement=agreement, **consent)
    with pytest.raises(ValidationError) as error:
        services.agreement_activate(actor=world_a.sro, agreement=agreement)
    assert field in error.value.message_dict
    assert Agreement.objects.get(pk=agreement.pk).status == Agreement.Status.DRAFT


def test_consent_before_the_counsel_advice_is_refused(world_a, student):
    agreement = _draft(world_a, student)
    consent = _full_consent(world_a)
    consent["consented_at"], consent["counsel_advised_at"] = (
        consent["counsel_advised_at"],
        consent["consented_at"],
    )
    with pytest.raises(ValidationError) as error:
        services.consent_record(actor=world_a.sro, agreement=agreement, **consent)
    assert "consented_at" in error.value.message_dict


@pytest.mark.parametrize("refusal", ["denies_involvement", "requests_court"])
def test_a_youth_who_denies_or_asks_for_court_cannot_be_enrolled(world_a, student, refusal):
    agreement = _draft(world_a, student)
    services.consent_record(
        actor=world_a.sro, agreement=agreement, **_full_consent(world_a) | {refusal: True}
    )
    with pytest.raises(ValidationError) as error:
        services.agreement_activate(actor=world_a.sro, agreement=agreement)
    assert refusal in error.value.message_dict


@pytest.mark.parametrize("age", [11, 18])
def test_police_diversion_is_for_ages_12_to_17_at_the_offence(world_a, age):
    offence_on = world_a.agency.today() - timedelta(days=10)
    too_young_or_old = factories.StudentFactory(
        school=world_a.school, date_of_birth=date(offence_on.year - age, 1, 1)
    )
    agreement = _draft(world_a, too_young_or_old, offence_on=offence_on)
    services.consent_record(actor=world_a.sro, agreement=agreement, **_full_consent(world_a))
    with pytest.raises(ValidationError) as error:
        services.agreement_activate(actor=world_a.sro, agreement=agreement)
    assert "offence_on" in error.value.message_dict


def test_a_school_administered_agreement_needs_only_its_tasks(world_a, student):
    agreement = _draft(world_a, student, basis=Basis.SCHOOL)
    services.agreement_activate(actor=world_a.sro, agreement=agreement)
    assert Agreement.objects.get(pk=agreement.pk).status == Agreement.Status.ACTIVE


def test_no_activation_without_a_task(world_a, student):
    today = world_a.agency.today()
    agreement = services.agreement_draft(
        actor=world_a.sro,
        student=student,
        basis=Basis.SCHOOL,
        offence="x",
        offence_on=today,
        officer=world_a.sro,
        starts_on=today,
        due_on=today,
    )
    with pytest.raises(ValidationError) as error:
        services.agreement_activate(actor=world_a.sro, agreement=agreement)
    assert "tasks" in error.value.message_dict


def test_a_student_of_another_school_or_agency_is_refused(world_a, world_b):
    for other in (
        factories.StudentFactory(school=world_a.other_school),
        factories.StudentFactory(school=world_b.school),
    ):
        with pytest.raises(ValidationError):
            _draft(world_a, other)
    assert not Agreement.objects.exists()


# --- The ledger ---------------------------------------------------------------------------------


@pytest.fixture
def active(world_a, student):
    agreement = _draft(world_a, student, basis=Basis.SCHOOL)
    services.agreement_activate(actor=world_a.sro, agreement=agreement)
    return agreement


def _log(world, agreement, **extra):
    fields = {
        "task": agreement.tasks.get(),
        "on": world.agency.today(),
        "hours": Decimal("1"),
        "what_was_done": "Cleaned the courtyard",
        "verified_by": world.sro,
    } | extra
    return services.session_log(actor=world.sro, agreement=agreement, **fields)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"hours": Decimal("0.2")}, "hours"),
        ({"hours": Decimal("8.25")}, "hours"),
        ({"on": date(2000, 1, 1)}, "date"),
    ],
    ids=["too-short", "too-long", "before-the-start"],
)
def test_session_validation(world_a, active, extra, field):
    with pytest.raises(ValidationError) as error:
        _log(world_a, active, **extra)
    assert field in error.value.message_dict
    assert not active.sessions.exists()


def test_a_session_in_the_future_or_for_another_agreement_s_task_is_refused(
    world_a, active, student
):
    with pytest.raises(ValidationError):
        _log(world_a, active, on=world_a.agency.today() + timedelta(days=1))
    other = _draft(world_a, student, basis=Basis.SCHOOL)
    with pytest.raises(ValidationError) as error:
        _log(world_a, active, task=other.tasks.get())
    assert "task" in error.value.message_dict


def test_a_session_needs_a_verifying_adult(world_a, active):
    with pytest.raises(ValidationError):
        _log(world_a, active, verified_by=None, verifier_name="  ")
    _log(world_a, active, verified_by=None, verifier_name="Ms. Teacher")
    assert active.sessions.count() == 1


def test_the_verifying_adult_is_an_sro_or_school_admin_of_the_agreement_s_school(
    world_a, world_b, active
):
    elsewhere = factories.UserFactory(agency=world_a.agency, role="school")
    factories.SchoolMembershipFactory(
        agency=world_a.agency, user=elsewhere, school=world_a.other_school
    )
    strangers = [world_a.supervisor, elsewhere, world_b.sro]
    for stranger in strangers:
        with pytest.raises(ValidationError) as error:
            _log(world_a, active, verified_by=stranger)
        assert "verified_by" in error.value.message_dict
    assert not active.sessions.exists()
    _log(world_a, active, verified_by=world_a.school_admin)
    assert active.sessions.get().verified_by == world_a.school_admin


# --- Completion ---------------------------------------------------------------------------------


def test_completion_needs_the_work_done_then_closes_with_no_charge_and_check_ins(world_a, student):
    incident = factories.IncidentFactory(school=world_a.school)
    subject = factories.InvolvementFactory(incident=incident, student=student)
    agreement = _draft(world_a, student, basis=Basis.SCHOOL, incident=incident)
    services.agreement_activate(actor=world_a.sro, agreement=agreement)
    subject.refresh_from_db()
    assert subject.response == Response.PAYOFF
    _log(world_a, agreement, hours=Decimal("1.5"))
    with pytest.raises(ValidationError):
        services.agreement_complete(actor=world_a.sro, agreement=agreement)
    _log(world_a, agreement, hours=Decimal("0.5"))
    services.agreement_complete(actor=world_a.sro, agreement=agreement)
    subject.refresh_from_db()
    assert subject.outcome == Outcome.NO_CHARGE
    assert sorted(CheckIn.objects.filter(agreement=agreement).values_list("months", flat=True)) == [
        6,
        12,
    ]


def test_not_completed_needs_a_supervisor_and_a_reason(world_a, active):
    with pytest.raises(PermissionDenied):
        services.agreement_not_completed(
            actor=world_a.sro, agreement=active, reason="Stopped coming", next_step="referral"
        )
    with pytest.raises(ValidationError):
        services.agreement_not_completed(
            actor=world_a.supervisor, agreement=active, reason=" ", next_step="referral"
        )
    services.agreement_not_completed(
        actor=world_a.supervisor, agreement=active, reason="Stopped coming", next_step="referral"
    )
    active.refresh_from_db()
    assert (active.status, active.approved_by) == (
        Agreement.Status.NOT_COMPLETED,
        world_a.supervisor,
    )


def test_school_admins_cannot_draft_or_activate(world_a, student):
    agreement = _draft(world_a, student, basis=Basis.SCHOOL)
    with pytest.raises(PermissionDenied):
        services.agreement_activate(actor=world_a.school_admin, agreement=agreement)


def test_an_access_period_set_later_applies_to_earlier_agreements(world_a, student):
    import time_machine

    agreement = _draft(world_a, student, basis=Basis.MEASURE)
    services.consent_record(actor=world_a.sro, agreement=agreement, **_full_consent(world_a))
    services.agreement_activate(actor=world_a.sro, agreement=agreement)
    assert Agreement.objects.get(pk=agreement.pk).purge_after is None  # no period set: kept
    world_a.agency.retention_months_other_measures = 6
    world_a.agency.save()
    with time_machine.travel(timezone.now() + timedelta(days=200), tick=False):
        assert services.purge_expired() == 1
    assert not Agreement.objects.filter(pk=agreement.pk).exists()
