"""What a dashboard is about: whose figures (the agency, some of its schools, or one officer)
and over which days. Every metric takes a Scope and nothing else, so the page, its CSV exports
and the annual report compute the same figures the same way.

A Scope is built only by `scope_for` (from the user and the filters they chose), which holds the
privacy rules: supervisors and agency admins may look at the whole agency or one school; a school
admin only at their own schools; an SRO only at their own work.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from django.core.exceptions import PermissionDenied

from schools.selectors import school_qs_for
from sro_portal.accounts.models import Role, SchoolYear


class Audience(StrEnum):
    PROGRAM = "program"  # supervisors and agency admins: the whole program
    SCHOOL = "school"  # school admins: their schools, counts only where identities are hidden
    OFFICER = "officer"  # an SRO: their own work


@dataclass(frozen=True)
class Scope:
    agency_id: int
    audience: Audience
    start: date  # first day, inclusive (the agency's calendar)
    end: date  # last day, inclusive
    # None: every school of the agency. Otherwise the ids of the schools the figures cover.
    school_ids: tuple[int, ...] | None = None
    # The officer view: figures of this SRO only.
    officer_id: int | None = None
    tz_name: str = "America/Edmonton"
    # The filters as the user chose them, to rebuild this scope (CSV links, the audit trail).
    params: dict = field(default_factory=dict, compare=False, hash=False)
    # Kept figures read ahead for the sections that follow (rollups.prefetch); shared by the
    # copies dataclasses.replace() makes of this scope.
    kept: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    # Rows several sections read (the agency, the schools), while metrics.shared_reads is open;
    # also shared by the copies, so keyed by what they depend on.
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    # The agency (accounts.models.Agency) when the builder of the scope has it at hand, as
    # scope_for has the user's: metrics.agency_of() then reads it no more.
    agency: object | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous_year(self) -> "Scope":
        """The same scope one year earlier (for trends); its kept figures are read ahead with
        this scope's (rollups.prefetch)."""
        return Scope(
            agency_id=self.agency_id,
            audience=self.audience,
            start=_year_before(self.start),
            end=_year_before(self.end),
            school_ids=self.school_ids,
            officer_id=self.officer_id,
            tz_name=self.tz_name,
            params=self.params,
            kept=self.kept,
            agency=self.agency,
        )


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from `first`'s month to `last`'s, in order."""
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (
            day.replace(year=day.year + 1, month=1)
            if day.month == 12
            else day.replace(month=day.month + 1)
        )
    return months


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def audience_of(user) -> Audience:
    if user.role in (Role.ADMIN, Role.SUPERVISOR):
        return Audience.PROGRAM
    if user.role == Role.SCHOOL:
        return Audience.SCHOOL
    if user.role == Role.SRO:
        return Audience.OFFICER
    raise PermissionDenied


def school_years(agency, *, count: int = 5) -> list[SchoolYear]:
    """The current school year and the `count - 1` before it, newest first."""
    years = [agency.school_year_for(agency.today())]
    while len(years) < count:
        years.append(agency.school_year_for(years[-1].start - timedelta(days=1)))
    return years


def scope_for(
    user, *, start: date | None = None, end: date | None = None, school=None, params=None
) -> Scope:
    """The scope `user` may see with these filters (already validated by the filter form).

    No dates: the current school year. `school`: one school (it must be one the user sees; the
    form's choices are scoped, this is the second check). A school admin without `school` gets
    all of their schools; an SRO always gets their own work, over every school.
    """
    audience = audience_of(user)
    agency = user.agency
    if start is None or end is None:
        year = agency.school_year_for(agency.today())
        start, end = year.start, year.end
    visible = school_qs_for(user)
    if school is not None and not visible.filter(pk=school.pk).exists():
        raise PermissionDenied
    if school is not None:
        school_ids = (school.pk,)
    elif audience == Audience.SCHOOL:
        school_ids = tuple(visible.order_by("pk").values_list("pk", flat=True))
    else:
        school_ids = None
    return Scope(
        agency_id=agency.pk,
        audience=audience,
        start=start,
        end=end,
        school_ids=school_ids,
        officer_id=user.pk if audience == Audience.OFFICER else None,
        tz_name=agency.time_zone,
        params=params or {},
        agency=agency,
    )
