"""Drills: the compliance matrix and the at-risk list, and the drills done in the period.

Compliance is the schools app's own (schools.selectors.compliance_of, as on the compliance matrix
page), called with the scope's agency and schools instead of a user's. It covers the school year
containing `scope.end` (or, when `scope.end` falls in the summer break, the school year that
ended before it), evaluated as of today on the agency's calendar, over the active schools in
scope; a kind's status is the worst of its periods so far (a term or the school year). A school's
status is the worst of its kinds; a school whose board has no drill rule has none and is not
counted in the figures.

The drills done in the period are the completed drills whose moment (started, else planned) falls
between `scope.start` and `scope.end` on the agency's calendar, at any school in scope.

Queries: four (the active schools, the drill rules, the school year's drills as compliance
facts, the period's completed drills by kind), and the agency's calendar when the scope does not
carry the agency (scope_for's does: metrics.agency_of).
"""

from django.db.models import Count, Q

from schools.compliance import FLAGGED, SEVERITY, Status, matrix_columns
from schools.models import Drill, DrillKind, School, drill_moment
from schools.selectors import compliance_of
from sro_portal.dashboards.metrics import agency_of, by_school, local_range
from sro_portal.dashboards.metrics import gettext as _
from sro_portal.dashboards.scope import Scope
from sro_portal.dashboards.tables import Figure, Section, Table


def build(scope: Scope) -> Section:
    agency = agency_of(scope)
    year = agency.school_year_for(scope.end)
    active = School.objects.filter(agency_id=scope.agency_id, is_active=True)
    schools = by_school(active, scope, "pk")
    matrix = compliance_of(schools, agency=agency, year=year, today=agency.today())

    keys = matrix_columns(matrix)
    column_labels = dict(keys)  # a cell's label is its column's (translated once)
    matrix_rows, at_risk_rows = [], []
    schools_by_status = {status: 0 for status in Status}
    by_severity = sorted(SEVERITY, key=SEVERITY.__getitem__)  # rank -> status
    # Translated once: a matrix of 300 schools has a thousand cells.
    labels = {status: str(status.label) for status in Status}
    cell_text = _("%(done)s / %(required)s · %(status)s")
    for school, cells in matrix:
        name = school.name
        # Each cell's text under its column, from the period in progress (KindCompliance.current).
        texts = {
            (cell.kind, cell.unannounced_only): cell_text
            % {
                "done": cell.requirements[-1].done,
                "required": cell.requirements[-1].required,
                "status": labels[cell.status],
            }
            for cell in cells
        }
        row = [name, *[texts.get(key, "—") for key, _label in keys]]
        if cells:
            overall = by_severity[max([SEVERITY[cell.status] for cell in cells])]
            schools_by_status[overall] += 1
            row.append(labels[overall])
        else:
            row.append("—")
        matrix_rows.append(row)
        for cell in cells:
            for requirement in cell.requirements:
                if requirement.status in FLAGGED:
                    at_risk_rows.append(
                        [
                            name,
                            column_labels[cell.kind, cell.unannounced_only],
                            requirement.period.label,
                            requirement.done,
                            requirement.required,
                            requirement.required - requirement.done,
                            requirement.planned,
                            labels[requirement.status],
                        ]
                    )

    kind_rows = _done_by_kind(scope)
    return Section(
        key="drills",
        title=_("Drills"),
        figures=[
            Figure(_("Schools complete"), schools_by_status[Status.COMPLETE], table="matrix"),
            Figure(_("Schools on track"), schools_by_status[Status.ON_TRACK], table="matrix"),
            Figure(_("Schools at risk"), schools_by_status[Status.AT_RISK], table="at_risk"),
            Figure(_("Schools behind"), schools_by_status[Status.BEHIND], table="at_risk"),
        ],
        tables=[
            Table(
                key="matrix",
                title=_("Drill compliance, school year %(year)s") % {"year": year.label},
                columns=[_("School"), *(label for _key, label in keys), _("Overall")],
                rows=matrix_rows,
                chart="none",
                description=_(
                    "Done out of required for the period in progress (a term or the school "
                    "year), as of today, at the active schools; a status is the worst of the "
                    "periods so far, and a school's the worst of its drills."
                ),
            ),
            Table(
                key="at_risk",
                title=_("Drill requirements at risk or behind, school year %(year)s")
                % {"year": year.label},
                columns=[
                    _("School"),
                    _("Drill"),
                    _("Period"),
                    _("Done"),
                    _("Required"),
                    _("Missing"),
                    _("Planned"),
                    _("Status"),
                ],
                rows=at_risk_rows,
                chart="none",
                description=_(
                    "Behind: the period ended short, or done and planned drills are below the "
                    "pace by now. At risk: the period ends within three weeks and done and "
                    "planned drills are short."
                ),
            ),
            Table(
                key="by_kind",
                title=_("Drills done in the period by kind"),
                columns=[_("Drill"), _("Done"), _("Of which unannounced")],
                rows=kind_rows,
                description=_(
                    "Completed drills that started (else were planned) in the period, at the "
                    "schools in scope."
                ),
                total_label=_("Total"),
            ),
        ],
    )


def _done_by_kind(scope: Scope) -> list[list]:
    first, after = local_range(scope)
    drills = (
        by_school(
            Drill.objects.filter(agency_id=scope.agency_id, status=Drill.Status.COMPLETED), scope
        )
        # As the index drill_moment_idx has it: started, else planned, in the period.
        .alias(moment=drill_moment())
        .filter(moment__gte=first, moment__lt=after)
    )
    counts = {
        row["kind"]: row
        for row in drills.values("kind")
        .annotate(done=Count("pk"), unannounced=Count("pk", filter=Q(announced=False)))
        .order_by()
    }
    rows = []
    for kind in DrillKind:
        row = counts.get(kind.value, {"done": 0, "unannounced": 0})
        rows.append([str(kind.label), row["done"], row["unannounced"]])
    rows.append(
        [_("Total"), sum(row[1] for row in rows), sum(row[2] for row in rows)],
    )
    return rows
