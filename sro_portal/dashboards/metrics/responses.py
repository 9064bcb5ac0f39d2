"""How police responded to the subjects of the period's incidents: diverted (a warning, a caution,
a referral to a community program, a PAYOFF agreement) versus a charge recommended, the others
being no further action or school discipline only; per response, per school and per school year.

A subject counts once per incident (an involvement with the role "subject" and a response); the
incident's school and its date on the agency's clock place it. School years follow the agency's
school-year start: the summer belongs to the school year that just ended, as
`Agency.school_year_for` has it.

Responses are police information: the section is for the program audience only (DESIGN.md
privacy rules); `build` refuses any other.

Three queries whatever the number of subjects: the agency's school-year settings (none when
the scope carries the agency, as scope_for's does), the subjects per month counted by school,
response and school year in one pass (GROUPING SETS), and the names of their schools. A whole
agency's whole months are read from the kept monthly figures instead (rollups: two queries, and
the pass for the months that changed).
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import Case, DateField, F, Value, When
from django.db.models.functions import TruncMonth
from django.utils.translation import ngettext

from incidents.models import DIVERTED, Involvement, InvolvementRole, Response
from sro_portal.accounts.models import SchoolYear
from sro_portal.dashboards import rollups
from sro_portal.dashboards.metrics import (
    agency_of,
    by_school,
    counted,
    grouped,
    local_range,
    school_names,
)
from sro_portal.dashboards.metrics import gettext as _
from sro_portal.dashboards.scope import Audience, Scope
from sro_portal.dashboards.tables import Figure, Section, Table, percent

# Subjects, and those diverted and charged, by school, response and school year in one pass.
# The responses are the model's own codes (never user input).
COUNTS = {
    "n": "COUNT(*)",
    "diverted": 'COUNT(*) FILTER (WHERE "response" IN ('
    + ", ".join(f"'{code}'" for code in sorted(DIVERTED))
    + "))",
    "charged": f"COUNT(*) FILTER (WHERE \"response\" = '{Response.CHARGE}')",
}


def compute(scope: Scope) -> dict:
    """The period's subjects with a response per month (their incident's, on the agency's
    clock), counted by school, response and school year (its first day), as JSON."""
    first, after = local_range(scope)
    tz = ZoneInfo(scope.tz_name)
    # The first day of the school year an incident falls in: the last year whose first day (at
    # midnight on the agency's clock) is not after it.
    years = _school_years(scope)
    year_of = Case(
        *(
            When(
                incident__occurred_at__gte=datetime.combine(year.start, time.min, tzinfo=tz),
                then=Value(year.start),
            )
            for year in reversed(years[1:])
        ),
        default=Value(years[0].start),
        output_field=DateField(),
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
    ).annotate(
        month=TruncMonth("incident__occurred_at", tzinfo=tz),
        school=F("incident__school_id"),
        year=year_of,
    )
    by_month = grouped(subjects, ["school", "response", "year"], COUNTS, per="month")
    return rollups.grouped_json(by_month)


def build(scope: Scope) -> Section:
    if scope.audience != Audience.PROGRAM:
        raise PermissionDenied  # responses are hidden from school admins and officers' views
    years = _school_years(scope)
    # A whole agency's whole months come from the kept monthly figures (rollups), kept with the
    # school years as the agency sets them (they place each subject in a school year).
    basis = f"{scope.tz_name} {years[0].start:%m-%d}"
    counts = rollups.sum_grouped(rollups.figures(scope, "response", compute, basis=basis))

    names = school_names(scope)
    per_response = {code: row["n"] for code, row in counts.get("response", {}).items()}
    per_school = {
        (names.get(pk, ""), pk): _Tally(row) for pk, row in counts.get("school", {}).items()
    }
    per_year = {index: _Tally() for index in range(len(years))}
    for start, row in counts.get("year", {}).items():
        per_year[_index_of(years, date.fromisoformat(start))].add(row)
    overall = _Tally(
        {
            name: sum([row[name] for row in counts.get("school", {}).values()])
            for name in ("n", "diverted", "charged")
        }
    )

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
                detail=_subjects(overall.diverted, overall.total),
                table="by_school",
            ),
            Figure(
                _("Charge recommended (%)"),
                percent(overall.charged, overall.total),
                detail=_subjects(overall.charged, overall.total),
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

    def __init__(self, counts: dict | None = None):
        """compute()'s counts (see add()), or zeros."""
        if counts is None:
            self.total = self.diverted = self.charged = 0
        else:  # (one call a school, not three: a large agency has 300)
            self.total, self.diverted, self.charged = (
                counts["n"],
                counts["diverted"],
                counts["charged"],
            )

    def add(self, counts: dict) -> None:
        """compute()'s counts: {"n": subjects, "diverted": ..., "charged": ...}."""
        self.total += counts["n"]
        self.diverted += counts["diverted"]
        self.charged += counts["charged"]

    def row(self, label: str) -> list:
        return [label, self.total, self.diverted, self.charged, percent(self.diverted, self.total)]


def _subjects(count: int, total: int) -> str:
    """'12 of 1,204 subjects': a share of the subjects, under a percentage."""
    return ngettext("%(count)s of %(total)s subject", "%(count)s of %(total)s subjects", total) % {
        "count": counted(count),
        "total": counted(total),
    }


def _columns(first: str) -> list[str]:
    return [
        first,
        _("Subjects with a response"),
        _("Diverted"),
        _("Charge recommended"),
        _("Diverted %"),
    ]


def _index_of(years: list[SchoolYear], day: date) -> int:
    """The index of the last of `years` (oldest first) starting on or before `day`."""
    return max((index for index, year in enumerate(years) if year.start <= day), default=0)


def _school_years(scope: Scope) -> list[SchoolYear]:
    """The agency's school years that share a day with the period, oldest first."""
    agency = agency_of(scope)
    years = [agency.school_year_for(scope.start)]
    while True:
        start = years[-1].start
        following = agency.school_year_for(date(start.year + 1, start.month, start.day))
        if following.start > scope.end:
            return years
        years.append(following)
