"""Referrals: students referred to community partners in the period, and how many of those loops
are closed, per partner.

A referral is counted in the period by `made_on` (a date on the agency's calendar). Its loop is
closed when the referral is closed or declined (officers.services.referral_update requires an
outcome for both and sets `closed_on`): the state today, so a referral made in the period and
closed after it counts as closed. The closure rate is loops closed / referrals made.

Scope: the agency; the scope's schools by the student's school; for the officer audience, the
referrals the officer made. Not shown to school admins (a referral says the police dealt with a
student). No student appears in any table.

Queries: one (per partner, with a conditional count per status).
"""

from django.db.models import Count, Q

from officers.models import Referral
from sro_portal.dashboards.metrics import by_school, counted
from sro_portal.dashboards.metrics import gettext as _
from sro_portal.dashboards.scope import Audience, Scope
from sro_portal.dashboards.tables import Figure, Section, Table, percent

LOOP_CLOSED = (Referral.Status.CLOSED, Referral.Status.DECLINED)


def referrals_in(scope: Scope):
    referrals = Referral.objects.filter(
        agency_id=scope.agency_id, made_on__gte=scope.start, made_on__lte=scope.end
    )
    referrals = by_school(referrals, scope, "student__school_id")
    if scope.audience == Audience.OFFICER or scope.officer_id is not None:
        referrals = referrals.filter(made_by_id=scope.officer_id)
    return referrals.order_by()


def build(scope: Scope) -> Section:
    per_status = {
        f"n_{status.value}": Count("pk", filter=Q(status=status)) for status in Referral.Status
    }
    rows = (
        referrals_in(scope)
        .values("partner_id", "partner__name")
        .annotate(made=Count("pk"), **per_status)
        .order_by()
    )
    partner_rows, status_totals = [], {status: 0 for status in Referral.Status}
    for row in rows:
        closed = sum(row[f"n_{status.value}"] for status in LOOP_CLOSED)
        partner_rows.append(
            [
                row["partner__name"],
                row["made"],
                closed,
                row["made"] - closed,
                percent(closed, row["made"]),
            ]
        )
        for status in Referral.Status:
            status_totals[status] += row[f"n_{status.value}"]
    partner_rows.sort(key=lambda row: (-row[1], row[0].casefold()))
    made = sum(row[1] for row in partner_rows)
    closed = sum(row[2] for row in partner_rows)
    return Section(
        key="referrals",
        title=_("Referrals"),
        figures=[
            Figure(_("Referrals made"), made, table="by_partner"),
            Figure(_("Loops closed"), closed, table="by_partner"),
            Figure(
                _("Closure rate (%)"),
                percent(closed, made),
                detail=_("%(closed)s of %(made)s")
                % {"closed": counted(closed), "made": counted(made)},
                table="by_partner",
            ),
        ],
        tables=[
            Table(
                key="by_partner",
                title=_("Referrals by partner"),
                columns=[
                    _("Partner"),
                    _("Made"),
                    _("Loops closed"),
                    _("Still open"),
                    _("Closure rate (%)"),
                ],
                rows=partner_rows,
                chart="hbar",
                series=(1, 2),
                description=_(
                    "Referrals made in the period, per partner. A loop is closed when the "
                    "referral was closed or declined with an outcome, to date; the rate is "
                    "loops closed / referrals made."
                ),
            ),
            Table(
                key="by_status",
                title=_("Referrals by status today"),
                columns=[_("Status"), _("Referrals")],
                rows=[[str(status.label), status_totals[status]] for status in Referral.Status],
                chart="bar",
                description=_("Where the referrals made in the period stand today."),
            ),
        ],
    )
