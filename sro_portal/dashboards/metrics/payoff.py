"""PAYOFF: agreements by status, completion rate, hours worked and re-offence rates, overall and
by school. Program audience only: police-diversion agreements are police records.

- Agreements count in the period by their start date (`starts_on`), whatever their status today.
  Completion rate = completed / (completed + not completed) of those agreements.
- Purged agreements (payoff.PurgedAgreement tombstones) keep only their legal basis, final status
  and the school year they started in: no school and no date. They count in the status totals,
  under a row of their own in the table by school, when the scope covers the whole agency and the
  period covers their whole school year; otherwise they are left out (the tables say so).
- Hours worked: the work sessions dated in the period, whenever their agreement started.
- Re-offence rate at 6 and at 12 months, as payoff.selectors.reoffence_rates counts it: confirmed
  check-ins (re-offended yes or no) of that milestone and the share that re-offended, for the
  agreements completed (`closed_on`) in the period. A purged agreement keeps no check-ins.

Queries: seven for the whole agency (the agency's calendar unless the scope carries it,
agreements by school and status, tombstones by status, hours by agreement and their agreements'
schools, check-ins by school and milestone, the schools' names); five for some schools. Grouped
by school ids, the names looked up after (metrics/__init__.py). A whole agency's whole months of
agreements, hours and check-ins are read from the kept monthly figures instead (rollups: read
with the other sections' in two queries, and the queries above for the months that changed),
each by its own day: the agreement's start, the session's date, the agreement's closing.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import ngettext

from payoff.models import Agreement, CheckIn, PurgedAgreement, WorkSession
from sro_portal.dashboards import rollups
from sro_portal.dashboards.metrics import agency_of, by_school, counted, school_names
from sro_portal.dashboards.metrics import gettext as _
from sro_portal.dashboards.scope import Scope
from sro_portal.dashboards.tables import Figure, Section, Table, percent

MILESTONES = (6, 12)
Status = Agreement.Status


def build(scope: Scope) -> Section:
    agreements, live_by_status = _agreements_by_school(scope)
    purged = _purged_by_status(scope)
    hours = _hours_by_school(scope)
    check_ins = _check_ins_by_school(scope)

    # Status totals, tombstones included.
    status_rows, totals = [], {}
    for status in Status:
        live = live_by_status.get(status, 0)
        gone = purged.get(status, 0)
        totals[status] = live + gone
        status_rows.append([str(status.label), live + gone, gone])
    agreement_count = sum(totals.values())
    status_rows.append([_("Total"), agreement_count, sum(purged.values())])
    completed, not_completed = totals[Status.COMPLETED], totals[Status.NOT_COMPLETED]
    completion = percent(completed, completed + not_completed)

    # Re-offence, all schools together.
    reoffence = {months: [0, 0] for months in MILESTONES}
    for by_months in check_ins.values():
        for months, (confirmed, reoffended) in by_months.items():
            reoffence[months][0] += confirmed
            reoffence[months][1] += reoffended
    reoffence_rows = [
        [
            _("%(months)s months after completion") % {"months": months},
            confirmed,
            reoffended,
            percent(reoffended, confirmed),
        ]
        for months, (confirmed, reoffended) in reoffence.items()
    ]

    school_rows = _school_rows(school_names(scope), agreements, hours, check_ins)
    if purged:
        gone_completed = purged.get(Status.COMPLETED, 0)
        gone_closed = gone_completed + purged.get(Status.NOT_COMPLETED, 0)
        school_rows.append(
            [
                _("Purged agreements (school not kept)"),
                sum(purged.values()),
                gone_completed,
                purged.get(Status.NOT_COMPLETED, 0),
                percent(gone_completed, gone_closed),
                None,
                None,
                None,
                None,
                None,
            ]
        )
    total_hours = sum(hours.values(), Decimal(0))

    tombstones_rule = _(
        "Purged agreements keep only their school year and no school: they count when the "
        "figures cover the whole agency and the period covers their whole school year, and are "
        "left out otherwise."
    )
    return Section(
        key="payoff",
        title=_("PAYOFF"),
        figures=[
            Figure(_("Agreements"), agreement_count, table="by_status"),
            Figure(
                _("Completion rate (%)"),
                completion,
                detail=ngettext(
                    "%(completed)s of %(closed)s closed",
                    "%(completed)s of %(closed)s closed",
                    completed + not_completed,
                )
                % {"completed": counted(completed), "closed": counted(completed + not_completed)},
                table="by_status",
            ),
            Figure(_("Hours worked"), total_hours, table="by_school"),
            *(
                Figure(
                    _("Re-offence at %(months)s months (%%)") % {"months": months},
                    percent(reoffended, confirmed),
                    detail=ngettext(
                        "%(reoffended)s of %(confirmed)s confirmed check-in",
                        "%(reoffended)s of %(confirmed)s confirmed check-ins",
                        confirmed,
                    )
                    % {"reoffended": counted(reoffended), "confirmed": counted(confirmed)},
                    table="reoffence",
                )
                for months, (confirmed, reoffended) in reoffence.items()
            ),
        ],
        tables=[
            Table(
                key="by_status",
                title=_("Agreements by status"),
                columns=[_("Status"), _("Agreements"), _("Of which purged")],
                rows=status_rows,
                description=_(
                    "Agreements that start (their start date) in the period, by their status "
                    "today. Completion rate: completed out of completed and not completed."
                )
                + " "
                + tombstones_rule,
                total_label=_("Total"),
            ),
            Table(
                key="reoffence",
                title=_("Re-offence after completion"),
                columns=[
                    _("Check-in"),
                    _("Confirmed check-ins"),
                    _("Re-offended"),
                    _("Re-offence rate (%)"),
                ],
                rows=reoffence_rows,
                series=(3,),
                description=_(
                    "Confirmed check-ins of the agreements completed in the period, and the "
                    "share where the youth re-offended. Purged agreements keep no check-ins."
                ),
            ),
            Table(
                key="by_school",
                title=_("PAYOFF by school"),
                columns=[
                    _("School"),
                    _("Agreements"),
                    _("Completed"),
                    _("Not completed"),
                    _("Completion rate (%)"),
                    _("Hours worked"),
                    _("6-month check-ins"),
                    _("Re-offence at 6 months (%)"),
                    _("12-month check-ins"),
                    _("Re-offence at 12 months (%)"),
                ],
                rows=school_rows,
                description=_(
                    "Agreements that start in the period; hours of the work sessions in the "
                    "period; check-ins of the agreements completed in the period."
                )
                + " "
                + tombstones_rule,
            ),
        ],
    )


def _agreements_by_school(scope: Scope) -> tuple[dict[int, dict[str, int]], dict[str, int]]:
    """({school id: {status: agreements}}, {status: agreements}) of the agreements starting in
    the period."""
    totals = rollups.sum_grouped(rollups.figures(scope, "agreement", agreements_per_month))
    schools: dict[int, dict[str, int]] = {}
    by_status = {}
    for status, counts in totals.items():
        by_status[status] = sum([row["n"] for row in counts.values()])
        for school_id, row in counts.items():
            schools.setdefault(school_id, {})[status] = row["n"]
    return schools, by_status


def agreements_per_month(scope: Scope) -> dict:
    """rollups compute(): the agreements by the month they start, grouped by status, then
    school (rollups.grouped_json)."""
    rows = (
        by_school(
            Agreement.objects.filter(
                agency_id=scope.agency_id, starts_on__gte=scope.start, starts_on__lte=scope.end
            ),
            scope,
        )
        .annotate(month=TruncMonth("starts_on"))
        .values_list("month", "status", "school_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    months: dict = {}
    for month, status, school_id, n in rows:
        months.setdefault(month, {}).setdefault(status, {})[school_id] = {"n": n}
    return rollups.grouped_json(months)


def _purged_by_status(scope: Scope) -> dict[str, int]:
    """Tombstones by final status, when the scope covers the whole agency and whole school
    years (two queries then, none otherwise)."""
    if scope.school_ids is not None:
        return {}
    agency = agency_of(scope)
    years = [
        year.label
        for year in (
            agency.school_year_for(
                date(start, agency.school_year_start_month, agency.school_year_start_day)
            )
            for start in range(scope.start.year - 1, scope.end.year + 1)
        )
        if scope.start <= year.start and year.end <= scope.end
    ]
    if not years:
        return {}
    return dict(
        PurgedAgreement.objects.filter(agency_id=scope.agency_id, school_year__in=years)
        .values_list("final_status")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _hours_by_school(scope: Scope) -> dict[int, Decimal]:
    """{school id: hours} of the work sessions dated in the period."""
    totals = rollups.sum_grouped(rollups.figures(scope, "work", hours_per_month))
    return {
        school_id: (Decimal(row["cents"]) / 100).quantize(CENT)
        for school_id, row in totals.get("school_id", {}).items()
    }


CENT = Decimal("0.01")


def hours_per_month(scope: Scope) -> dict:
    """rollups compute(): the hours by the sessions' month and school, in hundredths (kept
    figures are whole numbers; hours have two decimals; rollups.grouped_json). session_date_idx
    covers the sessions; their agreements' schools are looked up after, for those agreements
    only: joining the agency's 20,000 agreements cost more than reading a day's sessions."""
    sessions = by_school(
        WorkSession.objects.filter(
            agency_id=scope.agency_id, date__gte=scope.start, date__lte=scope.end
        ),
        scope,
        "agreement__school_id",
    )
    rows = list(
        sessions.annotate(month=TruncMonth("date"))
        .values_list("month", "agreement_id")
        .annotate(hours=Sum("hours"))
        .order_by()
    )
    agreements = Agreement.objects.filter(
        agency_id=scope.agency_id, pk__in=sessions.values("agreement_id")
    )
    school_of = dict(by_school(agreements, scope).order_by().values_list("pk", "school_id"))
    months: dict = {}
    for month, agreement_id, hours in rows:
        # An agreement purged (or moved out of the scope) between the two reads is left out, as
        # its sessions are by now; the triggers have the kept months computed again.
        school_id = school_of.get(agreement_id)
        if school_id is None:
            continue
        schools = months.setdefault(month, {}).setdefault("school_id", {})
        row = schools.setdefault(school_id, {"cents": 0})
        # round(): the SQLite demo sums decimals as floats (2.5 hours may read 2.4999...).
        row["cents"] += round(hours * 100)
    return rollups.grouped_json(months)


def _check_ins_by_school(scope: Scope) -> dict[int, dict[int, tuple[int, int]]]:
    """{school id: {milestone: (confirmed, re-offended)}} of the agreements completed in the
    period."""
    totals = rollups.sum_grouped(rollups.figures(scope, "checkin", check_ins_per_month))
    schools: dict[int, dict[int, tuple[int, int]]] = {}
    for months, counts in totals.items():
        for school_id, row in counts.items():
            by_months = schools.setdefault(school_id, {})
            by_months[int(months)] = (row["confirmed"], row["reoffended"])
    return schools


def check_ins_per_month(scope: Scope) -> dict:
    """rollups compute(): the confirmed check-ins by the month their agreement closed, grouped
    by milestone ("6", "12"), then school (rollups.grouped_json)."""
    rows = (
        by_school(
            CheckIn.objects.filter(
                agency_id=scope.agency_id,
                months__in=MILESTONES,
                reoffended__isnull=False,
                agreement__agency_id=scope.agency_id,
                agreement__closed_on__gte=scope.start,
                agreement__closed_on__lte=scope.end,
            ),
            scope,
            "agreement__school_id",
        )
        .annotate(month=TruncMonth("agreement__closed_on"))
        .values_list("month", "agreement__school_id", "months")
        .annotate(confirmed=Count("pk"), reoffended=Count("pk", filter=Q(reoffended=True)))
        .order_by()
    )
    months: dict = {}
    for month, school_id, milestone, confirmed, reoffended in rows:
        schools = months.setdefault(month, {}).setdefault(str(milestone), {})
        schools[school_id] = {"confirmed": confirmed, "reoffended": reoffended}
    return rollups.grouped_json(months)


def _school_rows(names, agreements, hours, check_ins) -> list[list]:
    """A row per school with agreements, hours or check-ins, by name."""
    schools = {pk: names.get(pk, "") for source in (agreements, hours, check_ins) for pk in source}
    rows = []
    for _key, school_id, name in sorted(
        [(name.casefold(), pk, name) for pk, name in schools.items()]
    ):
        counts = agreements.get(school_id, {})
        done, failed = counts.get(Status.COMPLETED, 0), counts.get(Status.NOT_COMPLETED, 0)
        by_months = check_ins.get(school_id, {})
        six = by_months.get(6, (0, 0))
        twelve = by_months.get(12, (0, 0))
        rows.append(
            [
                name,
                sum(counts.values()),
                done,
                failed,
                percent(done, done + failed),
                hours.get(school_id, Decimal(0)),
                six[0],
                percent(six[1], six[0]),
                twelve[0],
                percent(twelve[1], twelve[0]),
            ]
        )
    return rows
