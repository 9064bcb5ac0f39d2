"""Demo presentations: each agency's catalogue (the seven standard topics, Vaping with Alberta
Health Services and Online safety with the Canadian Centre for Child Protection) and this school
year's talks at its schools, in every status: most delivered with the teacher's feedback, a few
coming up, some requests waiting, a couple cancelled or moved.

Written straight to the tables, with past dates the services would refuse; what is still to
come gets its reminders as the services would schedule them. Deterministic: the same demo every
time (but the feedback keys, which are credentials). No student names anywhere.
"""

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from officers.models import Assignment, CommunityPartner
from presentations import reminders
from presentations.models import Feedback, Presentation, Presenter, ScheduleChange, Topic
from presentations.services import FEEDBACK_OPEN_FOR, STANDARD_TOPICS
from schools.models import School, SchoolMembership
from sro_portal.demo.officers import PARTNERS

TOPIC_PARTNERS = {
    "Vaping": "Alberta Health Services (demo)",
    "Online safety": "Canadian Centre for Child Protection (demo)",
}
# The demo schools are high schools: topics for younger grades are offered but not asked for.
GRADES = (7, 12)
# What a school asks for, what the officer tailored, and what the students asked afterwards.
STORIES = {
    "Drug use": (
        "Cannabis edibles came up in health class; staff want the facts and the law covered.",
        "Focused on edibles and mixing substances; added where to get help at school.",
        "How the police respond when a student calls for help at a party.",
    ),
    "Vaping": (
        "Vaping in the washrooms has gone up since September.",
        "More time on nicotine dependence and the school's rules; AHS quit resources handed out.",
        "Whether the washroom vape detectors record anything, and how to quit.",
    ),
    "Healthy relationships": (
        "Staff noticed controlling behaviour between couples at lunch.",
        "Added a section on digital consent and sharing passwords.",
        "What a friend can do when they see warning signs.",
    ),
    "Safe driving": (
        "Many grade 11s are getting their licence; a near miss in the parking lot last week.",
        "Covered distracted driving and the school parking lot at pick-up time.",
        "The graduated licence rules for driving friends at night.",
    ),
    "Online safety": (
        "Reports of sextortion attempts through gaming chats.",
        "Walked through a sextortion scenario and how to report it to Cybertip.ca.",
        "Whether deleting an image also removes it from the other person's phone.",
    ),
    "Bullying and cyberbullying": (
        "Group chats used to exclude and mock classmates.",
        "Focused on group chats and what bystanders can do.",
        "How to report anonymously at this school.",
    ),
}
ROOMS = ["Library", "Gym", "Theatre", "Room 114", "Room 208", "Learning commons"]
TIMES = [time(9, 0), time(10, 15), time(13, 0), time(14, 20)]
COMMENTS = [
    "The students were engaged and asked good questions afterwards.",
    "Just right for the grade; the real examples helped.",
    "A bit long for the last period of the day, but very useful.",
    "Please come back in the spring for the other classes.",
    "The handout went into our parent newsletter.",
    "",
]
CANCEL_REASONS = [
    "The classes have exams that week and the school found no other time.",
    "The health teacher covered the topic this term already.",
]
MOVE_REASONS = [
    "A fire drill was planned at the same time; moved to another day.",
    "The presenter was called to court that morning.",
]
# How many talks of each kind an agency gets, beyond the delivered ones:
# (per-school talks, coming up, requests waiting (days since asked), cancelled, moved).
PLANS = {
    "big": ((4, 8), 6, (12, 4, 1), 2, 2),
    "small": ((3, 5), 2, (9, 2), 1, 1),
}


def seed_presentations(agency, *, small: bool = False) -> None:
    """Topics and this school year's talks for `agency`, whose schools, school admins, SROs and
    assignments exist already. `small`: fewer talks (the second demo agency)."""
    rng = random.Random(f"presentations-{agency.slug}")  # noqa: S311 (demo data, not security)
    per_school, coming, waiting, cancelled, moved = PLANS["small" if small else "big"]
    topics = _topics(agency)
    eligible = [topic for topic in topics if topic.grade_to >= GRADES[0]]
    people = _people(agency)
    today = agency.today()
    year = agency.school_year_for(today)
    if year.start > today:  # the summer: the school year just ended
        year = agency.school_year_for(year.start - timedelta(days=1))
    last_day = min(today, year.end) - timedelta(days=1)
    first_day = min(year.start + timedelta(days=10), last_day - timedelta(days=45))
    # Talks still to come start from today, or from the next school year's first day.
    ahead = max(today, agency.school_year_for(today).start)

    slots = [school for school in people for _ in range(rng.randint(*per_school))]
    rng.shuffle(slots)
    plans = (
        [("coming", None)] * coming
        + [("waiting", days) for days in waiting]
        + [("cancelled", None)] * cancelled
    )
    plans += [("delivered", None)] * (len(slots) - len(plans))
    talks, moves = [], []
    for school, (kind, age) in zip(slots, plans, strict=True):
        topic = rng.choice(eligible)
        talk = _talk(agency, school, topic, people[school], rng)
        if kind == "delivered":
            _deliver(talk, _moment(agency, _school_day(first_day, last_day, rng), rng), rng)
        elif kind == "coming":
            day = _school_day(ahead + timedelta(days=3), ahead + timedelta(days=28), rng)
            _schedule(talk, _moment(agency, day, rng), rng)
        elif kind == "waiting":
            _wait(talk, agency, today, age, rng)
        else:
            _cancel(talk, agency, today, len(talks) % 2 == 0, rng)
        talks.append(talk)
    # A couple of talks moved once: one given since, one still to come.
    delivered = [t for t in talks if t.status == Presentation.Status.DELIVERED]
    upcoming = [t for t in talks if t.status == Presentation.Status.SCHEDULED]
    for talk in (delivered[:1] + upcoming[:1] + delivered[1:])[:moved]:
        moves.append(_move(talk, rng))
    _save(talks, moves, rng)
    for talk in talks:
        if talk.status == Presentation.Status.SCHEDULED:
            reminders.schedule_upcoming(talk)
        elif talk.status == Presentation.Status.REQUESTED:
            reminders.schedule_request_waiting(talk)


def delete_presentations(agencies) -> None:
    """Everything above, for `agencies` (a queryset), before their schools, users and partners."""
    for model in (Feedback, ScheduleChange, Presenter, Presentation, Topic):
        model.objects.filter(agency__in=agencies).delete()


# --- The catalogue ------------------------------------------------------------------------------


def _topics(agency) -> list[Topic]:
    partners = {}
    for name, kind, programs in PARTNERS:
        if name in TOPIC_PARTNERS.values():
            partners[name], _created = CommunityPartner.objects.get_or_create(
                agency=agency, name=name, defaults={"kind": kind, "programs": programs}
            )
    return Topic.objects.bulk_create(
        Topic(
            agency=agency,
            title=title,
            grade_from=grade_from,
            grade_to=grade_to,
            minutes=minutes,
            description=description,
            partner=partners.get(TOPIC_PARTNERS.get(title)),
        )
        for title, grade_from, grade_to, minutes, description in STANDARD_TOPICS
    )


def _people(agency) -> dict:
    """Each school's (school admins, SROs with the primary first)."""
    schools = list(School.objects.filter(agency=agency).order_by("pk"))
    people = {school.pk: ([], []) for school in schools}
    for link in SchoolMembership.objects.filter(agency=agency).select_related("user"):
        people[link.school_id][0].append(link.user)
    assignments = Assignment.objects.filter(agency=agency).select_related("officer")
    for assignment in sorted(assignments, key=lambda a: (a.kind != Assignment.Kind.PRIMARY, a.pk)):
        officers = people[assignment.school_id][1]
        if assignment.officer not in officers:
            officers.append(assignment.officer)
    return {school: people[school.pk] for school in schools}


# --- One talk through its life ------------------------------------------------------------------


def _school_day(first: date, last: date, rng) -> date:
    """A weekday in [first, last], outside the winter break."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return rng.choice([day for day in days if _is_school_day(day)] or [first])


def _is_school_day(day: date) -> bool:
    winter_break = (day.month, day.day) >= (12, 22) or (day.month, day.day) <= (1, 5)
    return day.weekday() < 5 and not winter_break


def _moment(agency, day: date, rng) -> datetime:
    """A class time on `day` where the agency is, in UTC (so that adding a timedelta adds that
    much time, not wall-clock time across a DST change)."""
    local = timezone.make_aware(datetime.combine(day, rng.choice(TIMES)), agency.tzinfo)
    return local.astimezone(UTC)


def _talk(agency, school, topic, people, rng) -> Presentation:
    admins, officers = people
    requester = rng.choice(admins) if admins and rng.random() < 0.7 else rng.choice(officers)
    grade = rng.randint(max(GRADES[0], topic.grade_from), min(GRADES[1], topic.grade_to))
    classes = rng.randint(1, 4)
    if classes == 4:
        label = f"All grade {grade} classes (assembly)"
    else:
        label = " and ".join(f"{grade}{letter}" for letter in "ABC"[:classes])
    talk = Presentation(
        agency=agency,
        school=school,
        topic=topic,
        requested_by=requester,
        classes=label,
        grade_from=grade,
        grade_to=grade,
        expected_students=classes * rng.randint(24, 32),
        needs=STORIES[topic.title][0] if rng.random() < 0.8 else "",
        partner=topic.partner,
    )
    # Kept aside until the rows exist: who presents, and when it was asked for and last changed.
    presenters = officers[:1] if len(officers) == 1 or rng.random() < 0.7 else officers[:2]
    talk._demo = {"presenters": presenters}
    return talk


def _plan(talk: Presentation, at: datetime, rng) -> None:
    """Asked for two to five weeks before `at`, for a window around it."""
    day = timezone.localtime(at, talk.agency.tzinfo).date()
    talk.status = Presentation.Status.SCHEDULED
    talk.scheduled_at, talk.room = at, rng.choice(ROOMS)
    talk.preferred_from = day - timedelta(days=rng.randint(0, 10))
    talk.preferred_to = day + timedelta(days=rng.randint(5, 20))
    talk._demo["asked"] = at - timedelta(days=rng.randint(14, 35), hours=rng.randint(1, 8))
    talk._demo["changed"] = talk._demo["asked"] + timedelta(days=rng.randint(1, 6))


def _schedule(talk: Presentation, at: datetime, rng) -> None:
    _plan(talk, at, rng)
    latest = timezone.now() - timedelta(hours=2)
    talk._demo["asked"] = min(talk._demo["asked"], latest - timedelta(days=2))
    talk._demo["changed"] = min(talk._demo["changed"], latest)


def _deliver(talk: Presentation, at: datetime, rng) -> None:
    _plan(talk, at, rng)
    talk.status = Presentation.Status.DELIVERED
    talk.students_reached = max(1, talk.expected_students + rng.randint(-6, 3))
    talk.classes_reached = talk.classes
    talk.tailoring = STORIES[talk.topic.title][1]
    talk.follow_up_questions = STORIES[talk.topic.title][2] if rng.random() < 0.75 else ""
    talk.delivered_by = talk._demo["presenters"][0]
    recorded = at + timedelta(minutes=talk.topic.minutes + rng.randint(20, 240))
    talk._demo["changed"] = min(recorded, timezone.now() - timedelta(minutes=30))


def _wait(talk: Presentation, agency, today: date, age: int, rng) -> None:
    asked = timezone.make_aware(
        datetime.combine(today - timedelta(days=age), time(rng.randint(8, 15), 30)),
        agency.tzinfo,
    ).astimezone(UTC)
    talk.preferred_from = today + timedelta(days=rng.randint(7, 14))
    talk.preferred_to = talk.preferred_from + timedelta(days=21)
    talk._demo.update(asked=min(asked, timezone.now()), presenters=[])
    talk._demo["changed"] = talk._demo["asked"]


def _cancel(talk: Presentation, agency, today: date, had_a_date: bool, rng) -> None:
    """Called off: one after it got a date, one while still a request."""
    if had_a_date:
        day = _school_day(today - timedelta(days=30), today - timedelta(days=10), rng)
        _plan(talk, _moment(agency, day, rng), rng)
        talk.cancelled_by = talk._demo["presenters"][0]
        talk.cancel_reason = CANCEL_REASONS[0]
    else:
        _wait(talk, agency, today, rng.randint(20, 40), rng)
        talk.cancelled_by = talk.requested_by
        talk.cancel_reason = CANCEL_REASONS[1]
        talk._demo["changed"] = talk._demo["asked"] + timedelta(days=4)
    talk.status = Presentation.Status.CANCELLED
    talk._demo["changed"] = min(talk._demo["changed"], timezone.now() - timedelta(hours=2))


def _move(talk: Presentation, rng) -> ScheduleChange:
    """The talk was first planned some days earlier, and moved by one of its presenters."""
    previous = talk.scheduled_at - timedelta(days=rng.choice([2, 3, 7]))
    made = min(previous - timedelta(days=2), timezone.now() - timedelta(hours=3))
    talk._demo["asked"] = min(talk._demo["asked"], made - timedelta(days=3))
    talk._demo["changed"] = max(talk._demo["changed"], made + timedelta(minutes=5))
    return ScheduleChange(
        agency_id=talk.agency_id,
        presentation=talk,
        previous_at=previous,
        previous_room=talk.room,
        new_at=talk.scheduled_at,
        reason=rng.choice(MOVE_REASONS),
        changed_by=talk._demo["presenters"][0],
        created_at=made,
    )


def _feedback(talk: Presentation, rng) -> Feedback:
    """The requester's link, sent at delivery; about 70% answered within a week."""
    sent = talk._demo["changed"]
    feedback = Feedback(
        agency_id=talk.agency_id,
        presentation=talk,
        key=uuid.uuid4(),
        expires_at=talk.scheduled_at + FEEDBACK_OPEN_FOR,
        created_at=sent,
    )
    answered = sent + timedelta(days=rng.randint(0, 6), hours=rng.randint(1, 20))
    if rng.random() < 0.7 and answered < timezone.now():
        feedback.answered_at = answered
        feedback.usefulness, feedback.fit = rng.choices([2, 3, 4, 5], [1, 3, 7, 6], k=2)
        feedback.comment = rng.choice(COMMENTS)
    return feedback


def _save(talks: list[Presentation], moves: list[ScheduleChange], rng) -> None:
    """The rows in bulk, then their true dates (`created_at` and `updated_at` are set by Django
    on insert; a bulk update keeps what is given)."""
    Presentation.objects.bulk_create(talks)
    Presenter.objects.bulk_create(
        Presenter(agency_id=talk.agency_id, presentation=talk, user=person)
        for talk in talks
        for person in talk._demo["presenters"]
        if talk.status != Presentation.Status.REQUESTED and talk.scheduled_at is not None
    )
    for talk in talks:
        talk.created_at, talk.updated_at = talk._demo["asked"], talk._demo["changed"]
    Presentation.objects.bulk_update(talks, ["created_at", "updated_at"])
    for model, rows in (
        (ScheduleChange, moves),
        (
            Feedback,
            [_feedback(t, rng) for t in talks if t.status == Presentation.Status.DELIVERED],
        ),
    ):
        made = [
            (row.created_at, getattr(row, "answered_at", None) or row.created_at) for row in rows
        ]
        model.objects.bulk_create(rows)
        for row, (created, updated) in zip(rows, made, strict=True):
            row.created_at, row.updated_at = created, updated
        model.objects.bulk_update(rows, ["created_at", "updated_at"])
