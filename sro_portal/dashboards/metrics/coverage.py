"""Coverage today: schools with and without an active primary SRO, and gaps coming (a primary
assignment ending within 30 days with no primary successor). Not bound to the period: it is
the program's state now. Two queries."""

from datetime import timedelta

from django.db.models import Q

from officers.models import Assignment
from sro_portal.accounts.models import Agency
from sro_portal.dashboards.metrics import by_school, schools_of
from sro_portal.dashboards.metrics import gettext as _
from sro_portal.dashboards.scope import Scope
from sro_portal.dashboards.tables import Figure, Section, Table

GAP_HORIZON = timedelta(days=30)


def build(scope: Scope) -> Section:
    today = Agency(time_zone=scope.tz_name).today()
    schools = [(pk, name) for pk, name, active in schools_of(scope) if active]
    primaries = (
        Assignment.objects.filter(
            agency_id=scope.agency_id, kind=Assignment.Kind.PRIMARY, officer__is_active=True
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values_list("school_id", "starts_on", "ends_on", "officer__full_name")
    )
    by_school_id: dict[int, list] = {}
    for school_id, starts_on, ends_on, officer in by_school(primaries, scope):
        by_school_id.setdefault(school_id, []).append((starts_on, ends_on, officer))

    rows, uncovered, gaps = [], 0, []
    yes, no = _("yes"), _("no")  # translated once for the 300 schools of a large agency
    for school_id, name in schools:
        spans = by_school_id.get(school_id, [])
        current = [span for span in spans if span[0] <= today]
        if not current:
            uncovered += 1
        officers = ", ".join(sorted([officer for _start, _end, officer in current])) or "—"
        rows.append([name, officers, yes if current else no])
        gap = _gap(current, spans, today)
        if gap is not None:
            gaps.append([name, gap.isoformat()])
    return Section(
        key="coverage",
        title=_("Coverage"),
        figures=[
            Figure(_("Schools"), len(schools), table="schools"),
            Figure(_("Without a primary SRO today"), uncovered, table="schools"),
            Figure(_("Gaps in the next 30 days"), len(gaps), table="gaps"),
        ],
        tables=[
            Table(
                key="schools",
                title=_("Schools and their primary SRO today"),
                columns=[_("School"), _("Primary SRO"), _("Covered")],
                rows=rows,
                chart="none",
            ),
            Table(
                key="gaps",
                title=_("Coverage ending within 30 days with no successor"),
                columns=[_("School"), _("Last covered day")],
                rows=gaps,
                chart="none",
            ),
        ],
    )


def _gap(current, spans, today):
    """The last covered day when every current primary ends within the horizon and nothing
    starts by the next day; None otherwise."""
    ends = [end for _start, end, _o in current]
    if not ends or None in ends:
        return None
    last = max(ends)
    if last > today + GAP_HORIZON:
        return None
    follows = any(
        start <= last + timedelta(days=1) and (end is None or end > last)
        for start, end, _o in spans
        if start > today
    )
    return None if follows else last
