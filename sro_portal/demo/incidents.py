"""Demo incidents: this school year so far, with plausible categories, places, times of day and
responses, people involved from the demo students, some follow-ups. All invented."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from incidents.models import (
    Category,
    FollowUp,
    Incident,
    Involvement,
    InvolvementRole,
    Location,
    Reporter,
    Response,
    Severity,
)
from incidents.reminders import remind_follow_up
from officers.models import Student

# (category, weight, likely places, summary for the school)
KINDS = [
    (
        Category.DRUGS,
        14,
        [Location.WASHROOM, Location.PARKING_LOT, Location.FIELD],
        "Vaping reported; SRO spoke with the students involved.",
    ),
    (
        Category.BULLYING,
        12,
        [Location.HALLWAY, Location.CAFETERIA, Location.GYM],
        "Repeated name-calling reported by staff; SRO followed up.",
    ),
    (
        Category.CYBERBULLYING,
        10,
        [Location.ONLINE],
        "Hurtful messages shared on social media; SRO met the students.",
    ),
    (
        Category.ASSAULT,
        8,
        [Location.HALLWAY, Location.FIELD, Location.OFF_SITE],
        "A fight between students; first aid given, no serious injury.",
    ),
    (
        Category.THEFT,
        7,
        [Location.GYM, Location.CLASSROOM, Location.PARKING_LOT],
        "Items taken from a change room; some recovered.",
    ),
    (
        Category.VANDALISM,
        6,
        [Location.WASHROOM, Location.FIELD],
        "Graffiti found; facilities notified.",
    ),
    (
        Category.THREATS,
        5,
        [Location.ONLINE, Location.CLASSROOM],
        "A threatening remark reported; assessed as low risk.",
    ),
    (
        Category.HARASSMENT,
        4,
        [Location.ONLINE, Location.HALLWAY],
        "Unwanted contact reported; SRO advised the students.",
    ),
    (
        Category.TRESPASS,
        3,
        [Location.PARKING_LOT, Location.FIELD],
        "A non-student on school grounds asked to leave.",
    ),
    (
        Category.WEAPONS,
        2,
        [Location.CLASSROOM, Location.HALLWAY],
        "A knife found in a backpack and removed; no one hurt.",
    ),
]
RESPONSES = [
    (Response.WARNING, 30),
    (Response.CAUTION, 12),
    (Response.REFERRAL, 14),
    (Response.PAYOFF, 10),
    (Response.SCHOOL_DISCIPLINE, 18),
    (Response.NO_ACTION, 10),
    (Response.CHARGE, 6),
]
HOURS = [8, 9, 10, 11, 12, 12, 13, 14, 15, 15, 16]  # lunch and the end of the day are busiest


def seed_incidents(agency, officers_by_school: dict, today) -> None:
    rng = random.Random(6)  # noqa: S311 (demo data, not security)
    tz = agency.tzinfo
    start = agency.school_year_for(today).start
    students = {}
    for student in Student.objects.filter(agency=agency):
        students.setdefault(student.school_id, []).append(student)
    weights = [weight for _c, weight, _p, _s in KINDS]
    day = start
    while day < today:
        if day.weekday() < 5:
            for school, officer in officers_by_school.items():
                if rng.random() < 0.12:  # about one incident a school a fortnight
                    kind = rng.choices(KINDS, weights)[0]
                    _incident(
                        agency,
                        school,
                        officer,
                        kind,
                        day,
                        tz,
                        rng,
                        students.get(school.pk, []),
                        today,
                    )
        day += timedelta(days=1)


def _incident(agency, school, officer, kind, day, tz, rng, students, today):
    category, _weight, places, summary = kind
    happened = timezone.make_aware(
        datetime.combine(day, time(rng.choice(HOURS), rng.randint(0, 59))), tz
    )
    closed = day < today - timedelta(days=14)
    incident = Incident.objects.create(
        agency=agency,
        school=school,
        occurred_at=happened,
        location=rng.choice(places),
        category=category,
        severity=rng.choices([Severity.LOW, Severity.MEDIUM, Severity.HIGH], [6, 3, 1])[0],
        school_summary=summary,
        narrative="Police narrative of the demo incident (invented).",
        reported_by=rng.choice(
            [Reporter.STAFF, Reporter.STAFF, Reporter.STUDENT, Reporter.SRO, Reporter.PARENT]
        ),
        file_number=f"EPS-{day:%y}-{rng.randint(100000, 999999)}",
        status=Incident.Status.CLOSED if closed else Incident.Status.FOLLOW_UP,
        closing_note="Resolved with the school; no further police action." if closed else "",
        recorded_by=officer,
    )
    people = rng.sample(students, k=min(len(students), rng.randint(1, 3)))
    for index, student in enumerate(people):
        role = (
            InvolvementRole.SUBJECT
            if index == 0
            else rng.choice([InvolvementRole.VICTIM, InvolvementRole.WITNESS])
        )
        response = (
            rng.choices([r for r, _w in RESPONSES], [w for _r, w in RESPONSES])[0]
            if role == InvolvementRole.SUBJECT
            else ""
        )
        Involvement.objects.create(
            agency=agency, incident=incident, role=role, student=student, response=response
        )
    if not closed:
        follow_up = FollowUp.objects.create(
            agency=agency,
            incident=incident,
            description="Check in with the student and the family",
            owner=officer,
            due_on=day + timedelta(days=rng.randint(5, 20)),
        )
        remind_follow_up(follow_up)
