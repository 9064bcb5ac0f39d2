"""Pages of PAYOFF check-ins and re-offence rates.

Six and twelve months after an agreement is completed, the officer confirms whether the youth
re-offended; the portal proposes an answer from the incident log. These pages are for police
roles only: school admins get 403 on the list and the rates, 404 on a check-in (named by its id).

Youth identities: the list shows agreement numbers, schools and dates, never a name. A check-in's
page names the student and lists their incidents, so each rendering of it writes one access event.
Flash messages (a cookie) carry agreement numbers only.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from incidents.selectors import incident_qs_for
from payoff import selectors, services
from payoff.forms.check_ins import CheckInConfirmForm
from payoff.selectors import ReoffenceRate
from sro_portal.accounts.decorators import role_required
from sro_portal.accounts.models import Role
from sro_portal.audit.services import access_record

PAGE_SIZE = 50
POLICE = (Role.ADMIN, Role.SUPERVISOR, Role.SRO)
RATE_READERS = (Role.ADMIN, Role.SUPERVISOR)
RATE_MONTHS = (12, 6)


# --- Check-ins due ------------------------------------------------------------------------------


@role_required(*POLICE)
def check_in_list(request):
    """Check-ins due and not yet answered: the agency's for supervisors and admins, an SRO's own
    agreements' for an SRO. Oldest first."""
    today = request.user.agency.today()
    check_ins = selectors.check_ins_due(request.user, today=today)
    page = Paginator(check_ins, PAGE_SIZE).get_page(request.GET.get("page"))
    for check_in in page:
        check_in.days_late = (today - check_in.due_on).days
    return render(request, "payoff/check_in_list.html", {"page": page, "today": today})


# --- One check-in -------------------------------------------------------------------------------


def check_in_detail(request, pk):
    """The check-in, the portal's proposal, and the officer's answer (GET shows, POST confirms)."""
    user = request.user
    if not (user.is_authenticated and user.is_police):
        # The selector would show a school admin the check-ins of school-administered agreements;
        # the proposal lists a youth's incidents, which only police roles may see.
        raise Http404
    check_in = selectors.check_in_get(user=user, pk=pk)
    proposal = selectors.proposed_reoffence(check_in)
    proposed = bool(proposal)
    form = CheckInConfirmForm(request.POST or None, check_in=check_in, proposed=proposed)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.check_in_confirm(
                    actor=user, check_in=check_in, reoffended=form.cleaned_data["reoffended"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("%(months)s-month check-in of agreement #%(pk)s confirmed.")
                    % {"months": check_in.months, "pk": check_in.agreement_id},
                )
                return redirect("payoff:check_ins")
        status = 400
        check_in = selectors.check_in_get(user=user, pk=pk)  # as stored
    return _detail_page(request, check_in, proposal, form, status=status)


def _detail_page(request, check_in, proposal, form, *, status: int):
    user = request.user
    agreement = check_in.agreement
    access_record(actor=user, obj=agreement, detail={"page": "check-in", "check_in": check_in.pk})
    # The proposal looks at the whole agency (a youth may re-offend at another school); the user
    # gets the details and a link only for incidents at schools they see.
    visible = set(
        incident_qs_for(user)
        .filter(pk__in=[incident.pk for incident in proposal])
        .values_list("pk", flat=True)
    )
    shown = [incident for incident in proposal if incident.pk in visible]
    today = user.agency.today()
    return render(
        request,
        "payoff/check_in_detail.html",
        {
            "check_in": check_in,
            "agreement": agreement,
            "student": agreement.student,
            "proposal": shown,
            "proposal_elsewhere": len(proposal) - len(shown),
            "proposed": bool(proposal),
            "is_due": check_in.due_on <= today,
            "form": form,
        },
        status=status,
    )


# --- Re-offence rates ---------------------------------------------------------------------------


def _table(rates: list[ReoffenceRate]) -> dict:
    rows = [
        {
            "school": rate.school_name,
            "year": rate.school_year,
            "confirmed": rate.confirmed,
            "reoffended": rate.reoffended,
            "percent": _percent(rate.reoffended, rate.confirmed),
        }
        for rate in rates
    ]
    confirmed = sum(rate.confirmed for rate in rates)
    reoffended = sum(rate.reoffended for rate in rates)
    return {
        "rows": rows,
        "total": {
            "confirmed": confirmed,
            "reoffended": reoffended,
            "percent": _percent(reoffended, confirmed),
        },
    }


def _percent(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


@role_required(*RATE_READERS)
def reoffence_rates(request):
    """Re-offence rates per school and school year of completion, at 12 and at 6 months."""
    tables = [
        {"months": months, **_table(selectors.reoffence_rates(request.user, months=months))}
        for months in RATE_MONTHS
    ]
    return render(request, "payoff/rates.html", {"tables": tables})
