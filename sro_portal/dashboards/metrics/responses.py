"""How police responded to the subjects of the period's incidents: diverted (a warning, a caution,
a referral to a community program, a PAYOFF agreement) versus a charge recommended, the others
being no further action or school discipline only; per response, per school and per school year.

A subject counts once per incident (an involvement with the role "subject" and a response); the
incident's school and its date on the agency's clock place it. School years follow the agency's
school-year start: the summer belongs to the school year that just ended, as
`Agency.school_year_for` has it.

Responses are police information: the section is for the program audience only (DESIGN.md
privacy rules); `build` refuses any other.

Three queries whatever the number of subjects: the agency's school-year settings, the subjects
counted by school, school year and response, and the names of their schools (everything else is
summed from those rows).
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Value, When
from django.utils.translation import gettext as _

from incidents.models import DIVERTED, Involvement, InvolvementRole, Response
from sro_portal.accounts.models import Agency, SchoolYear
from sro_portal.dashboards.metrics import by_school, local_range, school_names
from sro_portal.dashboards.scope import Audience, Scope
from sro_portal.dashboards.tables import Figure, Section, Table, percent


def build(scope: Scope) -> Section:
    if scope.audience != Audience.PROGRAM:
        raise PermissionDenied  # responses are hidden from school admins and officers' views
    first, after = local_range(scope)
    tz = ZoneInfo(scope.tz_name)
    years = _school_years(scope)
    # The index of the school year an incident falls in: the last year whose first day (at
    # midnight on the agency's clock) is not after it.
    year_of = Case(
        *(
            When(
                incident__occurred_at__gte=datetime.combine(year.start, time.min, tzinfo=tz),
                then=Value(index),
            )
            for index, year in reversed(list(enumerate(years)))
            if index > 0
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    subjects = by_school(
        Involvement.objects.filter(
            agency_id=scope.agency_id,
            incident__agency_id=scope.agency_id,
            role=InvolvementRole.SUBJECT,
            incident__occurred_at__gte=first,
            incident__occurred_at__lt=after,
        ).exclude(response=""),
        scope,
        "incident__school_id",
    )
    rows = list(
        subjects.annotate(year=year_of)
        .values("incident__school_id", "year", "response")
        .annotate(n=Count("pk"))
        .order_by()
    )

    names = school_names(scope)
    per_response: dict[str, int] = {}
    per_school: dict[tuple[str, int], _Tally] = {}
    per_year = {index: _Tally() for index in range(len(years))}
    overall = _Tally()
    for row in rows:
        response, n = row["response"], row["n"]
        per_response[response] = per_response.get(response, 0) + n
        school = (names.get(row["incident__school_id"], ""), row["incident__school_id"])
        for tally in (per_school.setdefault(school, _Tally()), per_year[row["year"]], overall):
            tally.add(response, n)

    return Section(
        key="responses",
        title=_("Responses"),
        figures=[
            Figure(
                _("Subjects with a response"),
                overall.total,
                detail=_("each subject counted once per incident"),
                table="by_response",
            ),
            Figure(
                _("Diverted (%)"),
                percent(overall.diverted, overall.total),
                detail=_("%(count)s of %(total)s subjects")
                % {"count": overall.diverted, "total": overall.total},
                table="by_school",
            ),
            Figure(
                _("Charge recommended (%)"),
                percent(overall.charged, overall.total),
                detail=_("%(count)s of %(total)s subjects")
                % {"count": overall.charged, "total": overall.total},
                table="by_school",
            ),
        ],
        tables=[
            Table(
                key="by_response",
                title=_("Subjects by response"),
                columns=[_("Response"), _("Subjects")],
                rows=[[str(label), per_response.get(code, 0)] for code, label in Response.choices],
                chart="hbar",
                description=_(
                    "Diverted: a warning, a caution, a referral to a community program or a "
                    "PAYOFF agreement."
                ),
            ),
            Table(
                key="by_school",
                title=_("Responses by school"),
                columns=_columns(_("School")),
                rows=[per_school[school].row(school[0]) for school in sorted(per_school)]
                + ([overall.row(_("All schools"))] if per_school else []),
                chart="hbar",
                series=(2, 3),
                total_label=_("All schools"),
            ),
            Table(
                key="by_year",
                title=_("Responses by school year"),
                columns=_columns(_("School year")),
                rows=[per_year[index].row(year.label) for index, year in enumerate(years)],
                chart="bar",
                series=(2, 3),
                description=_("School years as the agency sets them, within the period."),
            ),
        ],
    )


class _Tally:
    __slots__ = ("charged", "diverted", "total")

    def __init__(self):
        self.total = self.diverted = self.charged = 0

    def add(self, response: str, n: int) -> None:
        self.total += n
        if response in DIVERTED:
            self.diverted += n
        elif response == Response.CHARGE:
            self.charged += n

    def row(self, label: str) -> list:
        return [label, self.total, self.diverted, self.charged, percent(self.diverted, self.total)]


def _columns(first: str) -> list[str]:
    return [
        first,
        _("Subjects with a response"),
        _("Diverted"),
        _("Charge recommended"),
        _("Diverted %"),
    ]


def _school_years(scope: Scope) -> list[SchoolYear]:
    """The agency's school years that share a day with the period, oldest first."""
    agency = Agency.objects.only(
        "school_year_start_month",
        "school_year_start_day",
        "second_term_start_month",
        "second_term_start_day",
        "school_year_end_month",
        "school_year_end_day",
    ).get(pk=scope.agency_id)
    years = [agency.school_year_for(scope.start)]
    while True:
        start = years[-1].start
        following = agency.school_year_for(date(start.year + 1, start.month, start.day))
        if following.start > scope.end:
            return years
        years.append(following)
