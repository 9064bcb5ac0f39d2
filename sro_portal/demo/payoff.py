"""Demo PAYOFF agreements in every status, some completed long enough ago that their 6-month
check-in is due. Written straight to the tables, with past dates the services would refuse."""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from incidents.models import Involvement, InvolvementRole, Response
from payoff.models import Agreement, Basis, CheckIn, Statement, Task, WorkSession
from payoff.reminders import schedule_agreement_reminders, schedule_check_in
from payoff.services import access_period_end, add_months

OFFENCES = [
    "Vaped in the washroom after two warnings.",
    "Wrote graffiti on the gym wall.",
    "Took another student's headphones; returned them.",
    "Pushed a student during an argument at lunch.",
    "Damaged a hallway locker.",
]
# (status, how many days ago it started, basis)
PLAN = [
    (Agreement.Status.DRAFT, 2, Basis.MEASURE),
    (Agreement.Status.ACTIVE, 20, Basis.SANCTION),
    (Agreement.Status.ACTIVE, 35, Basis.SCHOOL),
    (Agreement.Status.COMPLETED, 60, Basis.MEASURE),
    (Agreement.Status.COMPLETED, 250, Basis.SANCTION),
    (Agreement.Status.COMPLETED, 260, Basis.SCHOOL),
    (Agreement.Status.NOT_COMPLETED, 90, Basis.MEASURE),
    (Agreement.Status.WITHDRAWN, 40, Basis.SCHOOL),
]


def seed_agreements(agency, officers_by_school: dict, supervisor, today) -> None:
    rng = random.Random(7)  # noqa: S311 (demo data, not security)
    subjects = list(
        Involvement.objects.filter(
            agency=agency, role=InvolvementRole.SUBJECT, student__isnull=False
        )
        .select_related("incident", "student")
        .order_by("pk")
    )
    for index, (status, days_ago, basis) in enumerate(PLAN * 2):
        subject = subjects[index * 3 % len(subjects)]
        officer = officers_by_school[subject.incident.school]
        _agreement(
            agency, subject, officer, supervisor, status, days_ago + index, basis, today, rng
        )


def _agreement(agency, subject, officer, supervisor, status, days_ago, basis, today, rng):
    tz = agency.tzinfo
    starts = today - timedelta(days=days_ago)
    consented = timezone.make_aware(datetime.combine(starts - timedelta(days=1), time(14)), tz)
    # The demo's incident log starts with this school year: older agreements stand alone.
    incident = subject.incident if subject.incident.occurred_at.date() <= starts else None
    agreement = Agreement.objects.create(
        agency=agency,
        student=subject.student,
        school=subject.incident.school,
        incident=incident,
        offence=rng.choice(OFFENCES),
        offence_on=incident.occurred_at.date() if incident else starts - timedelta(days=7),
        officer=officer,
        basis=basis,
        starts_on=starts,
        due_on=starts + timedelta(days=42),
        status=status,
        informed_at=consented - timedelta(hours=3),
        counsel_advised_at=consented - timedelta(hours=2),
        consented_at=consented,
        consent_method="in_person",
        responsibility_accepted=True,
        parent_name="Parent (demo)",
        parent_notified_at=consented + timedelta(hours=2),
        parent_notification_method="phone",
    )
    Statement.objects.create(
        agency=agency, agreement=agreement, text="I did it and I will make it right."
    )
    restorative = Task.objects.create(
        agency=agency, agreement=agreement, kind="restorative", unit="hours", required=Decimal("6")
    )
    workouts = Task.objects.create(
        agency=agency, agreement=agreement, kind="workout", unit="sessions", required=Decimal("4")
    )
    if status == Agreement.Status.DRAFT:
        return
    agreement.purge_after = access_period_end(agreement)
    if incident is not None:
        subject.response = Response.PAYOFF
    finished = status == Agreement.Status.COMPLETED
    sessions = 10 if finished else rng.randint(1, 5)
    for n in range(sessions):
        day = starts + timedelta(days=3 * n + 1)
        if day > today:
            break
        task = restorative if n % 2 == 0 else workouts
        WorkSession.objects.create(
            agency=agency,
            agreement=agreement,
            task=task,
            date=day,
            hours=Decimal("1.5"),
            what_was_done="Courtyard clean-up" if task == restorative else "Workout with the SRO",
            verified_by=officer,
            recorded_by=officer,
        )
    if status == Agreement.Status.ACTIVE:
        agreement.save()
        schedule_agreement_reminders(agreement)
    else:
        agreement.closed_on = starts + timedelta(days=40)
        if finished and incident is not None:
            subject.outcome = "no_charge"
        elif status == Agreement.Status.NOT_COMPLETED:
            agreement.outcome_note, agreement.next_step = "Stopped attending sessions.", "referral"
            agreement.approved_by = supervisor
        else:
            agreement.outcome_note = "The school handled it differently."
        agreement.save()
    if incident is not None:
        subject.save()
    if finished:
        for months in (6, 12):
            check_in = CheckIn.objects.create(
                agency=agency,
                agreement=agreement,
                months=months,
                due_on=add_months(agreement.closed_on, months),
            )
            schedule_check_in(check_in)
