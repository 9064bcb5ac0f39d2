"""Presentations: the talks delivered in the period and the students they reached, by topic and
by grade band, with the teachers' feedback scores.

A talk counts when its status is delivered and its `scheduled_at` falls in the period on the
agency's calendar (metrics.local_range). Students reached are the number the presenter recorded.
Grades: a talk is given to one band of grades (grade_from..grade_to, "Grade 7 to Grade 9"); its
students cannot be split by grade, so each talk counts once under its band and the bands add up
to the totals. Feedback: the answered feedback of those talks (usefulness and fit, 1 to 5).

Scope: the agency; the scope's schools by the talk's school; for the officer audience, the talks
the officer presented (a Presenter row).

Queries: three (per topic with its feedback, the topics' titles, per grade band).
"""

from django.db.models import Avg, Count, Q, Sum
from django.utils.translation import ngettext

from presentations.models import Presentation, Presenter, Topic, grades_label
from sro_portal.dashboards.metrics import by_school, counted, local_range
from sro_portal.dashboards.metrics import gettext as _
from sro_portal.dashboards.scope import Audience, Scope
from sro_portal.dashboards.tables import Figure, Section, Table

ANSWERED = Q(feedback__answered_at__isnull=False)


def score(value) -> float | None:
    return None if value is None else round(float(value), 1)


def delivered_in(scope: Scope):
    first, after = local_range(scope)
    talks = Presentation.objects.filter(
        agency_id=scope.agency_id,
        status=Presentation.Status.DELIVERED,
        scheduled_at__gte=first,
        scheduled_at__lt=after,
    )
    talks = by_school(talks, scope)
    if scope.audience == Audience.OFFICER or scope.officer_id is not None:
        presented = Presenter.objects.filter(
            agency_id=scope.agency_id, user_id=scope.officer_id
        ).values("presentation_id")
        talks = talks.filter(pk__in=presented)
    return talks.order_by()


def build(scope: Scope) -> Section:
    talks = delivered_in(scope)

    # 1. Per topic, with the feedback (one-to-one: the join does not multiply the talks). The
    # titles are read after: joined here, under row-level security, PostgreSQL took the topics
    # as a few of every agency's, expected a hundred talks where a year has thousands, and
    # looked them up topic by topic (20 ms for a large agency's year; 13 ms without the join).
    topics = list(
        talks.values("topic_id")
        .annotate(
            sessions=Count("pk"),
            students=Sum("students_reached"),
            answers=Count("feedback", filter=ANSWERED),
            usefulness_sum=Sum("feedback__usefulness", filter=ANSWERED),
            usefulness=Avg("feedback__usefulness", filter=ANSWERED),
            fit=Avg("feedback__fit", filter=ANSWERED),
        )
        .order_by()
    )
    # The agency's whole catalogue (a few dozen topics): one query, even for a period without
    # talks (filtered by the topics counted, an empty list would skip it).
    titles = dict(Topic.objects.filter(agency_id=scope.agency_id).values_list("pk", "title"))
    topic_rows, feedback_rows = [], []
    sessions = students = answers = usefulness_sum = 0
    for row in topics:
        row["topic__title"] = titles[row["topic_id"]]
        sessions += row["sessions"]
        students += row["students"] or 0
        answers += row["answers"]
        usefulness_sum += row["usefulness_sum"] or 0
        topic_rows.append([row["topic__title"], row["sessions"], row["students"] or 0])
        feedback_rows.append(
            [row["topic__title"], row["answers"], score(row["usefulness"]), score(row["fit"])]
        )
    topic_rows.sort(key=lambda row: (-row[1], -row[2], row[0].casefold()))
    feedback_rows.sort(key=lambda row: (-row[1], row[0].casefold()))

    # 2. Per grade band.
    grade_rows = [
        [
            str(grades_label(row["grade_from"], row["grade_to"])),
            row["sessions"],
            row["students"] or 0,
        ]
        for row in talks.values("grade_from", "grade_to")
        .annotate(sessions=Count("pk"), students=Sum("students_reached"))
        .order_by("grade_from", "grade_to")
    ]

    average = score(usefulness_sum / answers) if answers else None
    count_columns = [_("Sessions"), _("Students reached")]
    return Section(
        key="presentations",
        title=_("Presentations"),
        figures=[
            Figure(_("Sessions delivered"), sessions, table="by_topic"),
            Figure(_("Students reached"), students, table="by_topic"),
            Figure(
                _("Average usefulness (1 to 5)"),
                average,
                detail=ngettext("%(count)s feedback answer", "%(count)s feedback answers", answers)
                % {"count": counted(answers)},
                table="feedback",
            ),
        ],
        tables=[
            Table(
                key="by_topic",
                title=_("Presentations by topic"),
                columns=[_("Topic"), *count_columns],
                rows=topic_rows,
                chart="hbar",
                description=_(
                    "Talks delivered in the period (by their date), and the students the "
                    "presenters recorded as reached."
                ),
            ),
            Table(
                key="by_grade",
                title=_("Presentations by grade"),
                columns=[_("Grades"), *count_columns],
                rows=grade_rows,
                chart="bar",
                description=_(
                    "Each talk counts once, under the band of grades it was given to (for "
                    "example Grade 7 to Grade 9): its students are not split by grade."
                ),
            ),
            Table(
                key="feedback",
                title=_("Feedback by topic"),
                columns=[
                    _("Topic"),
                    _("Answers"),
                    _("Average usefulness"),
                    _("Average fit for the class"),
                ],
                rows=feedback_rows,
                chart="bar",
                series=(2, 3),
                description=_(
                    "Teachers' answers on the talks delivered in the period, scored 1 to 5; "
                    "no average where no one answered."
                ),
            ),
        ],
    )
