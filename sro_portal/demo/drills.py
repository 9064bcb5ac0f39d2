"""Demo drills: last school year in full and this one so far, across the demo schools.

Most schools keep pace; a few fall behind (no unannounced lockdown, fire drills missed), so the
compliance matrix has something to show. Deterministic: the same demo every time.
"""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from schools import reminders
from schools.models import (
    DEFAULT_DRILL_RULES,
    CorrectiveAction,
    Drill,
    DrillKind,
    DrillRule,
)

OBSERVATIONS = [
    "Everyone out within target time; muster point roll call complete.",
    "Two classroom doors could not be locked from inside; reported to facilities.",
    "PA announcement not heard in the gym; portable radio used.",
    "Students in the library took longer to reach cover; review with library staff.",
    "Smooth drill. Substitute teachers had not seen the procedure card.",
]


def seed_drills(agency, board, schools, people) -> None:
    """`people` maps each school to (its school admins, its primary officer)."""
    for kind, period, required, unannounced in DEFAULT_DRILL_RULES:
        DrillRule.objects.create(
            agency=agency,
            board=board,
            kind=kind,
            period=period,
            required=required,
            unannounced_required=unannounced,
        )
    rng = random.Random(2026)  # noqa: S311 (demo data, not security)
    today = agency.today()
    this_year = agency.school_year_for(today)
    last_year = agency.school_year_for(this_year.start - timedelta(days=1))
    drills = []
    for index, school in enumerate(schools):
        officer = people[school][1]
        lagging = index % 5 == 3  # every fifth school falls behind
        for year in (last_year, this_year):
            drills += _school_year(agency, school, officer, year, today, rng, lagging)
    Drill.objects.bulk_create(drills)
    _corrective_actions(agency, people, rng)
    for school in schools:
        reminders.schedule_compliance_check(school)
    for drill in Drill.objects.filter(agency=agency, status=Drill.Status.SCHEDULED):
        reminders.schedule_drill_reminders(drill)


def _school_year(agency, school, officer, year, today, rng, lagging):
    plans = []
    for term in year.terms:
        # A lagging school did one fire drill a term last year and none so far this term.
        fire_count = (0 if term.start <= today <= term.end else 1) if lagging else 3
        plans += [
            (DrillKind.EVACUATION, True, d) for d in _spread(term.start, term.end, fire_count, rng)
        ]
    lockdowns = _spread(year.start + timedelta(days=20), year.end - timedelta(days=20), 2, rng)
    plans += [(DrillKind.LOCKDOWN, lagging or i == 0, d) for i, d in enumerate(lockdowns)]
    if rng.random() < 0.5:
        plans.append((DrillKind.HOLD_AND_SECURE, True, _spread(year.start, year.end, 1, rng)[0]))
    return [
        _drill(agency, school, officer, kind, announced, day, today, rng)
        for kind, announced, day in plans
    ]


def _spread(start: date, end: date, count: int, rng) -> list[date]:
    """`count` school days spread over [start, end]."""
    span = (end - start).days
    days = []
    for i in range(count):
        day = start + timedelta(days=int(span * (i + rng.uniform(0.2, 0.8)) / count))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        days.append(day)
    return days


def _drill(agency, school, officer, kind, announced, day, today, rng) -> Drill:
    planned = timezone.make_aware(datetime.combine(day, time(10, 15)), agency.tzinfo)
    drill = Drill(
        agency=agency,
        school=school,
        kind=kind,
        planned_at=planned,
        announced=announced,
        leader=officer,
    )
    if day < today:
        drill.status = Drill.Status.COMPLETED
        drill.started_at = planned + timedelta(minutes=rng.randint(0, 20))
        drill.ended_at = drill.started_at + timedelta(minutes=rng.randint(6, 18))
        drill.seconds_to_complete = rng.randint(70, 240)
        drill.participants = rng.randint(350, 1400)
        drill.sro_present = rng.random() < 0.8
        drill.observations = rng.choice(OBSERVATIONS)
        drill.recorded_by = officer
    return drill


def _corrective_actions(agency, people, rng) -> None:
    completed = Drill.objects.filter(
        agency=agency, status=Drill.Status.COMPLETED, observations__icontains="not"
    ).select_related("school")
    for drill in completed[:12]:
        admins = people[drill.school][0]
        owner = admins[0] if admins else drill.leader
        due = drill.started_at.date() + timedelta(days=21)
        done = due - timedelta(days=rng.randint(1, 10)) if due < agency.today() else None
        action = CorrectiveAction.objects.create(
            agency=agency,
            drill=drill,
            description="Repair the door locks named in the drill notes",
            owner=owner,
            due_on=due,
            done_on=done,
        )
        if done is None:
            reminders.schedule_corrective_action_reminder(action)
