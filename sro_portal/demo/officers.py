"""Demo officers' work: profiles, community partners, students, this school year's activity log
for every SRO (thousands of entries, a plausible mix) and some referrals. All names invented."""

import random
from datetime import date, timedelta

from officers.models import (
    Activity,
    ActivityCategory,
    CommunityPartner,
    OfficerProfile,
    Referral,
    Student,
)
from officers.reminders import remind_to_confirm

PARTNERS = [
    (
        "Alberta Health Services (demo)",
        CommunityPartner.Kind.HEALTH,
        "Addiction and mental health; vaping cessation",
    ),
    (
        "Canadian Centre for Child Protection (demo)",
        CommunityPartner.Kind.CHILD_PROTECTION,
        "Online safety; sextortion support",
    ),
    (
        "Family Counselling Centre (demo)",
        CommunityPartner.Kind.COUNSELLING,
        "Individual and family counselling",
    ),
    (
        "Youth Empowerment Network (demo)",
        CommunityPartner.Kind.YOUTH_SERVICES,
        "Mentoring; after-school programs",
    ),
]
FIRST = [
    "Avery",
    "Jesse",
    "Riley",
    "Casey",
    "Morgan",
    "Quinn",
    "Rowan",
    "Sky",
    "Emerson",
    "Hayden",
]
LAST = ["Lindgren", "Okoro", "Dubois", "Nguyen", "Schultz", "Bellerose", "Patel", "Morin"]
# (category, weight, typical minutes, typical students reached)
MIX = [
    (ActivityCategory.CRIME_PREVENTION, 18, 45, 0),
    (ActivityCategory.MENTORING, 12, 30, 1),
    (ActivityCategory.COUNSELLING, 9, 40, 1),
    (ActivityCategory.SAFETY_DISCUSSION, 9, 30, 8),
    (ActivityCategory.STUDENT_ACTIVITY, 8, 60, 25),
    (ActivityCategory.STAFF_CONSULTATION, 8, 20, 0),
    (ActivityCategory.ADMINISTRATION, 10, 60, 0),
    (ActivityCategory.INVESTIGATION, 6, 75, 0),
    (ActivityCategory.MEDIATION, 5, 45, 2),
    (ActivityCategory.PARENT_CONTACT, 5, 20, 0),
    (ActivityCategory.RESOURCES, 4, 25, 1),
    (ActivityCategory.PRESENTATION, 3, 60, 28),
    (ActivityCategory.COMMUNITY, 2, 45, 0),
    (ActivityCategory.DRILL_SUPPORT, 2, 30, 0),
]


def seed_officer_work(agency, officers_by_school: dict, today: date) -> None:
    """`officers_by_school` maps each school to its primary officer."""
    rng = random.Random(5)  # noqa: S311 (demo data, not security)
    partners = [
        CommunityPartner.objects.create(agency=agency, name=name, kind=kind, programs=programs)
        for name, kind, programs in PARTNERS
    ]
    officers = sorted(set(officers_by_school.values()), key=lambda user: user.pk)
    for number, officer in enumerate(officers, start=1):
        OfficerProfile.objects.create(
            agency=agency,
            user=officer,
            badge_number=f"{4400 + number}",
            rank="Constable",
            phone=f"780-555-{2000 + number:04d}",
        )
    students = _students(agency, list(officers_by_school), rng)
    _activities(agency, officers_by_school, students, partners, today, rng)
    _referrals(agency, officers_by_school, students, partners, today, rng)


def _students(agency, schools, rng) -> dict:
    by_school = {}
    for school in schools:
        by_school[school] = Student.objects.bulk_create(
            Student(
                agency=agency,
                school=school,
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                grade=rng.choice([10, 11, 12]),
                date_of_birth=date(
                    2009 + rng.randint(0, 2), rng.randint(1, 12), rng.randint(1, 28)
                ),
            )
            for _ in range(6)
        )
    return by_school


def _activities(agency, officers_by_school, students, partners, today, rng) -> None:
    year_start = agency.school_year_for(today).start
    schools_of = {}
    for school, officer in officers_by_school.items():
        schools_of.setdefault(officer, []).append(school)
    weights = [weight for _c, weight, _m, _s in MIX]
    entries = []
    day = year_start
    while day <= today:
        if day.weekday() < 5:
            for officer, schools in schools_of.items():
                for _ in range(rng.randint(3, 6)):
                    category, _w, minutes, reached = rng.choices(MIX, weights)[0]
                    school = rng.choice(schools)
                    one_student = reached == 1 and rng.random() < 0.4
                    entries.append(
                        Activity(
                            agency=agency,
                            officer=officer,
                            school=school,
                            date=day,
                            category=category,
                            minutes=max(5, int(rng.gauss(minutes, minutes / 4))),
                            students_reached=max(0, int(rng.gauss(reached, reached / 3 or 1))),
                            student=rng.choice(students[school]) if one_student else None,
                            partner=rng.choice(partners)
                            if category == ActivityCategory.COMMUNITY
                            else None,
                        )
                    )
        day += timedelta(days=1)
    Activity.objects.bulk_create(entries, batch_size=1000)


def _referrals(agency, officers_by_school, students, partners, today, rng) -> None:
    for school, officer in officers_by_school.items():
        for student in students[school][:2]:
            made_on = today - timedelta(days=rng.randint(3, 70))
            closed = made_on < today - timedelta(days=30)
            referral = Referral.objects.create(
                agency=agency,
                student=student,
                partner=rng.choice(partners),
                made_by=officer,
                made_on=made_on,
                reason="Support the student asked for after a talk with the SRO.",
                consent_by=Referral.ConsentBy.STUDENT,
                consent_on=made_on,
                status=Referral.Status.CLOSED if closed else Referral.Status.ACCEPTED,
                outcome="Attended four sessions; the loop is closed." if closed else "",
                closed_on=made_on + timedelta(days=28) if closed else None,
            )
            if referral.is_open:
                remind_to_confirm(referral)
