"""Writes of the presentations app: the catalogue, and a talk from request to feedback. Each
function is atomic, checks the actor's right to act, validates fully and keeps the talk's
reminders in step (presentations/reminders.py).

Who does what:
- the catalogue (topics, materials): agency admins and supervisors;
- a request: school admins and SROs of the school (and agency admins);
- scheduling, rescheduling, the delivery record: SROs of the school, supervisors, agency admins;
- a cancellation: whoever may schedule, or a school admin of the school;
- feedback: whoever holds the link, once, before it expires.
"""

import uuid
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from presentations import reminders
from presentations.models import Feedback, Material, Presentation, ScheduleChange, Topic
from presentations.selectors import presenter_choices_for
from schools.models import School
from schools.selectors import school_qs_for
from sro_portal.accounts.models import Role
from sro_portal.core.uploads import (
    DOCUMENTS,
    IMAGES,
    check_upload,
    private_name,
    without_metadata,
)

MATERIAL_MAX_BYTES = 20 * 1024 * 1024
FEEDBACK_OPEN_FOR = timedelta(days=30)
CATALOGUE_KEEPERS = frozenset({Role.ADMIN, Role.SUPERVISOR})
REQUESTERS = frozenset({Role.ADMIN, Role.SRO, Role.SCHOOL})
SCHEDULERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.SRO})

# The catalogue a new agency starts from (DESIGN.md): title, grades, minutes, description.
STANDARD_TOPICS = [
    ("Drug use", 7, 12, 60, "What drugs do to a growing brain, the law, and where to get help."),
    (
        "Vaping",
        5,
        12,
        45,
        "Vaping's health effects and the law, with Alberta Health Services' material.",
    ),
    (
        "Healthy relationships",
        7,
        12,
        60,
        "Consent, respect, warning signs, and who to talk to.",
    ),
    ("Safe driving", 10, 12, 60, "Impaired and distracted driving, and the graduated licence."),
    (
        "Online safety",
        4,
        12,
        45,
        "Sharing images, sextortion, scams; with the Canadian Centre for Child Protection.",
    ),
    (
        "Bullying and cyberbullying",
        3,
        9,
        45,
        "What bullying is, what it does, how to stand up and how to report it.",
    ),
    ("Personal safety", 0, 6, 30, "Safe adults, stranger safety, and getting home safely."),
]


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


def _require_catalogue_keeper(actor) -> None:
    if not actor.is_authenticated or actor.role not in CATALOGUE_KEEPERS:
        raise PermissionDenied


def _require_at_school(actor, roles, school: School) -> None:
    if actor.role not in roles or not school_qs_for(actor).filter(pk=school.pk).exists():
        raise PermissionDenied


def _require_status(presentation: Presentation, *statuses) -> None:
    """The talk is (still) in one of `statuses`, read under a row lock."""
    current = (
        Presentation.objects.select_for_update()
        .filter(pk=presentation.pk)
        .values_list("status", flat=True)
        .first()
    )
    if current not in statuses:
        raise ValidationError(
            _("This presentation is %(status)s: it cannot be changed that way now.")
            % {"status": Presentation.Status(current).label.lower()}
        )


# --- The catalogue ------------------------------------------------------------------------------


@transaction.atomic
def topic_save(*, actor, topic: Topic) -> Topic:
    _require_catalogue_keeper(actor)
    if topic.pk is not None and topic.agency_id != actor.agency_id:
        raise PermissionDenied
    topic.agency_id = actor.agency_id
    return _save(topic)


@transaction.atomic
def topics_add_standard(*, actor) -> list[Topic]:
    """Add the standard topics the agency does not have yet (by title)."""
    _require_catalogue_keeper(actor)
    have = set(Topic.objects.filter(agency_id=actor.agency_id).values_list("title", flat=True))
    return [
        _save(
            Topic(
                agency_id=actor.agency_id,
                title=title,
                grade_from=grade_from,
                grade_to=grade_to,
                minutes=minutes,
                description=description,
            )
        )
        for title, grade_from, grade_to, minutes, description in STANDARD_TOPICS
        if title not in have
    ]


@transaction.atomic
def material_add(*, actor, topic: Topic, title: str, upload: UploadedFile) -> Material:
    """Attach a file to a topic: checked by its content, stored under a generated name."""
    _require_catalogue_keeper(actor)
    if topic.agency_id != actor.agency_id:
        raise PermissionDenied
    try:
        kind = check_upload(
            upload,
            kinds=DOCUMENTS,
            max_bytes=MATERIAL_MAX_BYTES,
            expected=_("a PDF, PowerPoint, Word, JPEG or PNG file"),
        )
        if kind in IMAGES:
            upload = without_metadata(upload, kind)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    material = Material(
        agency_id=actor.agency_id,
        topic=topic,
        title=title.strip(),
        content_type=kind.content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    material.file.save(private_name(f"materials/{actor.agency_id}", kind), upload, save=False)
    try:
        return _save(material)
    except ValidationError:
        material.file.delete(save=False)  # nothing half-saved: no orphan file
        raise


@transaction.atomic
def material_delete(*, actor, material: Material) -> None:
    _require_catalogue_keeper(actor)
    if material.agency_id != actor.agency_id:
        raise PermissionDenied
    name = material.file.name
    material.delete()
    # The file goes once the row is gone for good.
    transaction.on_commit(lambda: material.file.storage.delete(name))


# --- A request ----------------------------------------------------------------------------------


@transaction.atomic
def presentation_request(
    *,
    actor,
    school: School,
    topic: Topic,
    classes: str,
    grade_from: int,
    grade_to: int,
    expected_students: int,
    preferred_from: date,
    preferred_to: date,
    needs: str = "",
) -> Presentation:
    _require_at_school(actor, REQUESTERS, school)
    if not school.is_active:
        raise ValidationError({"school": _("Choose an active school.")})
    if topic.agency_id != actor.agency_id or not topic.is_active:
        raise ValidationError({"topic": _("Choose a topic the agency offers.")})
    if preferred_to < preferred_from:
        raise ValidationError({"preferred_to": _("The last date comes after the first.")})
    if preferred_to < actor.agency.today():
        raise ValidationError({"preferred_to": _("Choose dates that are still to come.")})
    if grade_to < grade_from:
        raise ValidationError({"grade_to": _("The last grade comes after the first.")})
    presentation = _save(
        Presentation(
            agency_id=actor.agency_id,
            school=school,
            topic=topic,
            requested_by=actor,
            classes=classes.strip(),
            grade_from=grade_from,
            grade_to=grade_to,
            expected_students=expected_students,
            preferred_from=preferred_from,
            preferred_to=preferred_to,
            needs=needs.strip(),
        )
    )
    reminders.schedule_request_waiting(presentation)
    return presentation


# --- Scheduling ---------------------------------------------------------------------------------


def _check_plan(actor, presentation: Presentation, scheduled_at: datetime, presenters, partner):
    if not presenters:
        raise ValidationError({"presenters": _("Choose at least one presenter.")})
    allowed = set(presenter_choices_for(actor).values_list("pk", flat=True))
    if any(person.pk not in allowed for person in presenters):
        raise ValidationError({"presenters": _("Choose active SROs of the agency.")})
    if partner is not None and (partner.agency_id != actor.agency_id or not partner.is_active):
        raise ValidationError({"partner": _("Choose an active partner of the agency.")})
    if scheduled_at <= timezone.now():
        raise ValidationError({"scheduled_at": _("Choose a time that is still to come.")})


@transaction.atomic
def presentation_schedule(
    *,
    actor,
    presentation: Presentation,
    scheduled_at: datetime,
    room: str,
    presenters: list,
    partner=None,
    reason: str = "",
) -> Presentation:
    """Set the date, room and presenters of a requested talk, or move a scheduled one (a move
    needs a reason and is kept in the schedule's history)."""
    _require_at_school(actor, SCHEDULERS, presentation.school)
    _require_status(presentation, Presentation.Status.REQUESTED, Presentation.Status.SCHEDULED)
    presentation.refresh_from_db()
    _check_plan(actor, presentation, scheduled_at, presenters, partner)
    moved = presentation.status == Presentation.Status.SCHEDULED and (
        presentation.scheduled_at != scheduled_at or presentation.room != room.strip()
    )
    if moved:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the presentation moves.")})
        _save(
            ScheduleChange(
                agency_id=presentation.agency_id,
                presentation=presentation,
                previous_at=presentation.scheduled_at,
                previous_room=presentation.room,
                new_at=scheduled_at,
                reason=reason.strip(),
                changed_by=actor,
            )
        )
    presentation.status = Presentation.Status.SCHEDULED
    presentation.scheduled_at, presentation.room = scheduled_at, room.strip()
    presentation.partner = partner
    _save(presentation)
    presentation.presenters.set(presenters, through_defaults={"agency_id": presentation.agency_id})
    reminders.cancel_request_waiting(presentation)
    reminders.cancel_upcoming(presentation)  # the presenters may have changed
    reminders.schedule_upcoming(presentation)
    return presentation


@transaction.atomic
def presentation_cancel(*, actor, presentation: Presentation, reason: str) -> Presentation:
    """Call a talk off (requested or scheduled), with the reason."""
    _require_at_school(actor, SCHEDULERS | {Role.SCHOOL}, presentation.school)
    _require_status(presentation, Presentation.Status.REQUESTED, Presentation.Status.SCHEDULED)
    if not reason.strip():
        raise ValidationError({"cancel_reason": _("Say why the presentation is cancelled.")})
    presentation.status = Presentation.Status.CANCELLED
    presentation.cancel_reason, presentation.cancelled_by = reason.strip(), actor
    _save(presentation)
    reminders.cancel_all(presentation)
    return presentation


# --- The delivery -------------------------------------------------------------------------------


@transaction.atomic
def presentation_deliver(
    *,
    actor,
    presentation: Presentation,
    students_reached: int,
    classes_reached: str,
    tailoring: str = "",
    follow_up_questions: str = "",
) -> Presentation:
    """Record the talk as given; the requester is asked for feedback through a one-time link."""
    _require_at_school(actor, SCHEDULERS, presentation.school)
    _require_status(presentation, Presentation.Status.SCHEDULED)
    presentation.refresh_from_db()
    if presentation.scheduled_at > timezone.now():
        raise ValidationError(_("A presentation can be recorded once it has started."))
    presentation.status = Presentation.Status.DELIVERED
    presentation.students_reached = students_reached
    presentation.classes_reached = classes_reached.strip()
    presentation.tailoring, presentation.follow_up_questions = (
        tailoring.strip(),
        follow_up_questions.strip(),
    )
    presentation.delivered_by = actor
    _save(presentation)
    feedback = _save(
        Feedback(
            agency_id=presentation.agency_id,
            presentation=presentation,
            key=uuid.uuid4(),
            expires_at=timezone.now() + FEEDBACK_OPEN_FOR,
        )
    )
    reminders.cancel_upcoming(presentation)
    reminders.schedule_feedback_request(feedback)
    return presentation


# --- Feedback -----------------------------------------------------------------------------------


class FeedbackClosed(Exception):
    """The link was answered already or has expired: nothing was changed."""


@transaction.atomic
def feedback_answer(*, feedback: Feedback, usefulness: int, fit: int, comment: str = "") -> None:
    """Record the answer once. A compare-and-swap on `answered_at`: a second tab, a double
    click or a reused link changes nothing and raises FeedbackClosed."""
    for field, value in (("usefulness", usefulness), ("fit", fit)):
        if value not in range(1, 6):
            raise ValidationError({field: _("Choose a score from 1 to 5.")})
    now = timezone.now()
    answered = Feedback.objects.filter(
        pk=feedback.pk, answered_at__isnull=True, expires_at__gt=now
    ).update(
        answered_at=now,
        usefulness=usefulness,
        fit=fit,
        comment=comment.strip()[:2000],
        updated_at=now,
    )
    if not answered:
        raise FeedbackClosed
    reminders.cancel_feedback_request(feedback)
