"""Reads of the presentations app. `presentation_qs_for` decides which talks a user sees: those
at the schools `school_qs_for` gives them (school admins their own schools, SROs the schools of
their assignments, supervisors and agency admins the whole agency). The catalogue (topics and
their materials) is the agency's and every user of the agency reads it."""

import functools
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from presentations.models import Feedback, Material, Presentation, Presenter, ScheduleChange, Topic
from presentations.tokens import feedback_key_from_token
from schools.models import School
from schools.selectors import school_qs_for
from sro_portal import rls
from sro_portal.accounts.models import Role, User
from sro_portal.tenancy import get_in_scope_or_404


def _agency_user(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.agency_id is not None


# --- The catalogue ------------------------------------------------------------------------------


def topic_qs_for(user) -> QuerySet[Topic]:
    if not _agency_user(user):
        return Topic.objects.none()
    return Topic.objects.filter(agency_id=user.agency_id)


def topic_get(*, user, pk: int) -> Topic:
    return get_in_scope_or_404(topic_qs_for(user).select_related("partner"), pk=pk)


def catalogue_for(user) -> QuerySet[Topic]:
    """Topics with their partner and materials; offered ones first. Two queries."""
    if not _agency_user(user):
        return Topic.objects.none()
    materials = Material.objects.filter(agency_id=user.agency_id).order_by("title", "pk")
    return (
        topic_qs_for(user)
        .select_related("partner")
        .prefetch_related(Prefetch("materials", queryset=materials))
        .order_by("-is_active", "title")
    )


def material_get(*, user, pk: int) -> Material:
    """A material of the user's agency (every user of the agency may read the catalogue)."""
    if not _agency_user(user):
        materials = Material.objects.none()
    else:
        materials = Material.objects.filter(agency_id=user.agency_id).select_related("topic")
    return get_in_scope_or_404(materials, pk=pk)


# --- Talks --------------------------------------------------------------------------------------


def presentation_qs_for(user) -> QuerySet[Presentation]:
    if not _agency_user(user):
        return Presentation.objects.none()
    return Presentation.objects.filter(agency_id=user.agency_id, school__in=school_qs_for(user))


# What a row of the list shows, beside the names, and its sort keys (a talk has 25 columns).
LIST_FIELDS = (
    "id",
    "classes",
    "grade_from",
    "grade_to",
    "status",
    "scheduled_at",
    "preferred_from",
    "preferred_to",
    "created_at",
)


def presentation_list_for(user, *, status: str = "", school=None, topic=None):
    """The talks `user` sees, as rows for the list: named tuples of LIST_FIELDS, the school's name
    (`school_name`), the topic's title (`topic_title`) and the presenters' names, as str(user)
    gives them, in one string (`presenter_names`, None when there are none). Those without a date
    yet first, then by date, latest first. One query.

    Tuples rather than Presentation instances, and subqueries rather than joins: no model
    instance a row, and the count of the list's pages (sro_portal/core/pagination.py) leaves the
    names out."""
    talks = presentation_qs_for(user).annotate(**_list_names())
    if status:
        talks = talks.filter(status=status)
    if school is not None:
        talks = talks.filter(school=school)
    if topic is not None:
        talks = talks.filter(topic=topic)
    talks = talks.order_by(F("scheduled_at").desc(nulls_first=True), "-created_at", "-pk")
    return talks.values_list(
        *LIST_FIELDS, "school_name", "topic_title", "presenter_names", named=True
    )


@functools.cache
def _list_names() -> dict[str, Subquery]:
    """The list's subqueries of names. Built once a process (the presenters' alone cost some
    1,100 Python calls to build): a query that uses them resolves a copy of each, as it does of
    any queryset given to Subquery, and leaves these as they are."""
    schools = School.objects.filter(pk=OuterRef("school_id")).order_by()
    topics = Topic.objects.filter(pk=OuterRef("topic_id")).order_by()
    return {
        "school_name": Subquery(schools.values("name")),
        "topic_title": Subquery(topics.values("title")),
        "presenter_names": Subquery(_presenter_names()),
    }


def _presenter_names() -> QuerySet:
    """The names of the outer talk's presenters in one string, by name: "Ann Roy, Bo Lee"."""
    name = Coalesce(NullIf("user__full_name", Value("")), "user__email")  # as str(user)
    # SQLite before 3.44 (the local demo, on some systems) cannot order an aggregate's input:
    # there, the names come in the database's order.
    by_name = ("user__full_name", "user__email")
    if not connection.features.supports_aggregate_order_by_clause:
        by_name = None
    return (
        Presenter.objects.filter(agency_id=OuterRef("agency_id"), presentation_id=OuterRef("pk"))
        .order_by()
        .values("presentation_id")
        .annotate(names=StringAgg(name, Value(", "), order_by=by_name))
        .values("names")
    )


def _presenters() -> Prefetch:
    return Prefetch("presenters", queryset=User.objects.order_by("full_name", "email"))


def presentation_get(*, user, pk: int) -> Presentation:
    talks = presentation_qs_for(user).select_related(
        "school",
        "topic",
        "topic__partner",
        "requested_by",
        "partner",
        "delivered_by",
        "cancelled_by",
    )
    return get_in_scope_or_404(talks.prefetch_related(_presenters()), pk=pk)


def schedule_history(presentation: Presentation) -> QuerySet[ScheduleChange]:
    return ScheduleChange.objects.filter(
        agency_id=presentation.agency_id, presentation=presentation
    ).select_related("changed_by")


def feedback_of(presentation: Presentation) -> Feedback | None:
    return Feedback.objects.filter(
        agency_id=presentation.agency_id, presentation=presentation
    ).first()


def upcoming_for(user, *, now: datetime, limit: int = 5) -> list[Presentation]:
    """The next scheduled talks at the user's schools (SROs: theirs to give first)."""
    talks = presentation_qs_for(user).filter(
        status=Presentation.Status.SCHEDULED, scheduled_at__gte=now
    )
    return list(talks.select_related("school", "topic").order_by("scheduled_at", "pk")[:limit])


def presenter_choices_for(user) -> QuerySet[User]:
    """Who may present: the agency's active SROs (any of them, not only the school's)."""
    if not _agency_user(user):
        return User.objects.none()
    return User.objects.filter(agency_id=user.agency_id, role=Role.SRO, is_active=True).order_by(
        "full_name", "email"
    )


# --- Feedback -----------------------------------------------------------------------------------


def feedback_for_token(token: str) -> Feedback | None:
    """The feedback row a link names, with its talk; None for a malformed or forged token.

    Unscoped by design: the signed token is the only credential of a page that needs no account.
    Whether the link is still open (answered, expired) is for the caller to say.
    """
    key = feedback_key_from_token(token)
    if key is None:
        return None
    rls.use_agency_of(Feedback, key=key)
    return (
        Feedback.objects.select_related("presentation__topic", "presentation__school", "agency")
        .filter(key=key, presentation__agency_id=F("agency_id"))
        .first()
    )


def feedback_is_open(feedback: Feedback, *, now: datetime | None = None) -> bool:
    return feedback.answered_at is None and (now or timezone.now()) < feedback.expires_at


@dataclass(frozen=True)
class Score:
    label: str
    answers: int
    usefulness: float | None
    fit: float | None
    delivered: int


def feedback_results_for(user, *, since=None, until=None) -> dict[str, list[Score]]:
    """Average scores per topic and per presenter over the talks `user` sees that were
    delivered in the period (by date of the talk). Two queries."""
    delivered = presentation_qs_for(user).filter(status=Presentation.Status.DELIVERED)
    if since is not None:
        delivered = delivered.filter(scheduled_at__date__gte=since)
    if until is not None:
        delivered = delivered.filter(scheduled_at__date__lte=until)
    answered = Q(feedback__answered_at__isnull=False)
    scores = {
        "answers": Count("feedback", filter=answered),
        "usefulness": Avg("feedback__usefulness", filter=answered),
        "fit": Avg("feedback__fit", filter=answered),
        "delivered": Count("pk"),
    }
    by_topic = delivered.values("topic__title").annotate(**scores).order_by("topic__title")
    by_presenter = (
        delivered.filter(presenters__isnull=False)
        .values("presenters__full_name", "presenters__email")
        .annotate(**scores)
        .order_by("presenters__full_name", "presenters__email")
    )
    return {
        "topics": [_score(row["topic__title"], row) for row in by_topic],
        "presenters": [
            _score(row["presenters__full_name"] or row["presenters__email"], row)
            for row in by_presenter
        ],
    }


def _score(label: str, row: dict) -> Score:
    return Score(
        label=label,
        answers=row["answers"],
        usefulness=row["usefulness"],
        fit=row["fit"],
        delivered=row["delivered"],
    )
