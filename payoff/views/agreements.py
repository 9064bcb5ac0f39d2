"""Pages of PAYOFF agreements: the list, drafting, consent, activation, the work ledger, how an
agreement ends, and the printable agreement and progress card.

Who sees what (payoff.selectors.agreement_qs_for): police roles see the agreements at their
schools; school admins see the school-administered agreements of their schools, and may log work
sessions on them, but never reach a police-diversion agreement (404, on every page) nor the youth's
statement (404 even on their own agreements). Pages that change an agreement's terms or status
answer 403 to a school admin who can see the agreement, and 404 to anyone who cannot.

Youth records: every page that shows an agreement names the student, so each rendering writes one
access event (a list page: one per agreement listed). The youth's statement appears only on its own
page, for police roles: never on the detail, list, print or progress-card pages. Titles, URLs and
flash messages carry the agreement's number, never a name.
"""

import functools
import html

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from incidents.forms.police import form_error
from incidents.selectors import incident_qs_for
from payoff import selectors, services
from payoff.forms.agreements import (
    AgreementFilterForm,
    AgreementForm,
    ConsentForm,
    NotCompletedForm,
    SessionForm,
    TaskForm,
    WithdrawForm,
)
from payoff.models import Agreement, Basis
from payoff.templatetags.agreement_badges import status_badge_html
from sro_portal.accounts.decorators import role_required
from sro_portal.accounts.models import Role
from sro_portal.audit.services import access_record, access_record_many
from sro_portal.core.links import pk_url
from sro_portal.core.pagination import keyset_page

PAGE_SIZE = 50
POLICE = (Role.ADMIN, Role.SUPERVISOR, Role.SRO)
CLOSERS = (Role.SUPERVISOR, Role.ADMIN)  # who records that an agreement was not completed


def _id_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def _detail_url(agreement_id: int, anchor: str = "") -> str:
    url = reverse("payoff:detail", args=[agreement_id])
    return f"{url}#{anchor}" if anchor else url


def _require_police(user) -> None:
    """For a page about an agreement the user can see: police roles only (403 for a school
    admin; outsiders got their 404 from the selector already)."""
    if not user.is_police:
        raise PermissionDenied


def _field_label(name: str) -> str:
    if name == "tasks":
        return _("Tasks")
    try:
        return capfirst(Agreement._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return ""


def _refused(request, agreement: Agreement, error: ValidationError):
    """A service refused for a reason no form field holds (the agreement's status moved on):
    the page as stored, with the reason above it."""
    agreement = selectors.agreement_get(user=request.user, pk=agreement.pk)
    return _detail_page(request, agreement, page_errors=_labelled(error), status=400)


def _labelled(error: ValidationError) -> list[str]:
    """A service's refusal as sentences, each after the name of the field it is about."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    lines = []
    for field, messages_ in error.message_dict.items():
        label = _field_label(field) if field != "__all__" else ""
        lines.extend(f"{label}: {message}" if label else message for message in messages_)
    return lines


# --- The list -----------------------------------------------------------------------------------


@role_required(*POLICE, Role.SCHOOL)
def agreement_list(request):
    """Agreements the user may see, newest first, filtered by the query string (no names)."""
    user = request.user
    filter_form = AgreementFilterForm(request.GET or None, actor=user)
    chosen = {}
    if filter_form.is_bound:
        filter_form.is_valid()  # fields that do not parse are left out, and shown as errors
        chosen = filter_form.cleaned_data
    agreements = selectors.agreement_list_for(user)
    if chosen.get("status"):
        agreements = agreements.filter(status=chosen["status"])
    if chosen.get("basis"):
        agreements = agreements.filter(basis=chosen["basis"])
    if chosen.get("school"):
        agreements = agreements.filter(school=chosen["school"])
    page = keyset_page(agreements, request.GET, keys=("-starts_on", "-id"), per_page=PAGE_SIZE)
    rows = page.object_list
    percents = selectors.percent_by_agreement(user, rows)
    # Each row names a student: a view of each agreement listed.
    access_record_many(actor=user, objs=rows, detail={"page": "agreement list"})
    return render(
        request,
        "payoff/agreement_list.html",
        {
            "page": page,
            "rows": rows_html(rows, percents),
            "filter_form": filter_form,
            "filtered": any(chosen.get(name) for name in filter_form.fields),
        },
    )


# One row of the list. The template drew it before: seven variables a row, each looked up,
# localized and escaped (the progress twice), cost more than the page's SQL. The text around the
# values is the template's, to the whitespace (the backslash joins the two lines of one cell).
ROW_HTML = """
    <tr>
      <td class="text-nowrap"><a href="{url}">{title}</a></td>
      <td>{student}</td>
      <td>{school}</td>
      <td class="small">{basis}</td>
      <td>{badge}</td>
      <td class="text-nowrap"><progress value="{percent}" max="100" aria-label="{progress}">\
</progress> <span class="small">{percent}%</span></td>
      <td>{due}</td>
    </tr>
  """


def rows_html(agreements: list[Agreement], percents: dict[int, int]) -> SafeString:
    """The rows of the list's table, as HTML. What is the same for each row (labels, badges, the
    title's words) is translated and escaped once a page; per row only the names and the URL
    are escaped. A percent is an int from 0 to 100, which `localize` and `unlocalize` both write
    as str() does."""
    title = html.escape(_("Agreement #%(number)s"))  # escaping leaves %(number)s as it is
    detail_url = pk_url("payoff:detail")
    progress = html.escape(_("Progress"))
    bases = {value: html.escape(str(label)) for value, label in Basis.choices}
    badge = functools.cache(status_badge_html)  # the statuses the page shows, once each
    # Each date once a page (60-odd calls a date, the month's name translated each time).
    due = functools.cache(lambda day: html.escape(date_format(day)))
    rows = []
    for agreement in agreements:
        number = agreement.id
        rows.append(
            ROW_HTML.format(
                url=html.escape(detail_url(number)),
                title=title % {"number": number},
                student=_escaped(agreement.student_name),
                school=_escaped(agreement.school_name),
                basis=bases.get(agreement.basis) or html.escape(agreement.basis),
                badge=badge(agreement.status),
                percent=percents.get(number, 0),
                progress=progress,
                due=due(agreement.due_on),
            )
        )
    return SafeString("".join(rows))  # every value above was escaped, or is a number or a badge


def _escaped(name) -> str:
    """A name as the template printed it, escaped; None as "None" (its subquery found no row)."""
    return html.escape(name if type(name) is str else str(name))


# --- Drafting -----------------------------------------------------------------------------------


@role_required(*POLICE)
def agreement_create(request):
    """A draft for a student (?student=<id>), optionally from an incident (?incident=<id>: its
    subjects are the students offered)."""
    user = request.user
    incident = None
    incident_id = _id_param(request, "incident")
    if incident_id is not None:
        incident = incident_qs_for(user).filter(pk=incident_id).first()
    initial = {"starts_on": user.agency.today(), "student": _id_param(request, "student")}
    if user.role == Role.SRO:
        initial["officer"] = user.pk
    if incident is not None:
        initial["incident"] = incident.pk
        initial["offence_on"] = timezone.localtime(incident.occurred_at).date()
    form = AgreementForm(request.POST or None, actor=user, incident=incident, initial=initial)
    if incident is not None and not form.is_bound and initial["student"] is None:
        only = list(form.fields["student"].queryset[:2])
        if len(only) == 1:  # one subject: chosen already
            form.initial["student"] = only[0].pk
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_draft(
                actor=user, student=form.cleaned_data["student"], **form.draft_fields()
            )
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                _("Agreement #%(pk)s drafted. Add its tasks, then record the consent.")
                % {"pk": agreement.pk},
            )
            return redirect("payoff:detail", pk=agreement.pk)
    return render(request, "payoff/agreement_form.html", {"form": form, "agreement": None})


def agreement_edit(request, pk):
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    _require_police(request.user)
    if agreement.status != Agreement.Status.DRAFT:
        messages.info(request, _("Only a draft can be edited."))
        return redirect("payoff:detail", pk=agreement.pk)
    form = AgreementForm(request.POST or None, actor=request.user, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        fields = form.draft_fields()
        try:
            services.agreement_update_draft(actor=request.user, agreement=agreement, **fields)
        except ValidationError as error:
            form_error(form, error)
            # The service set the fields before refusing: show the stored record around the form.
            agreement = selectors.agreement_get(user=request.user, pk=pk)
        else:
            messages.success(request, _("Agreement #%(pk)s saved.") % {"pk": agreement.pk})
            return redirect("payoff:detail", pk=agreement.pk)
    access_record(actor=request.user, obj=agreement, detail={"page": "edit"})
    return render(request, "payoff/agreement_form.html", {"form": form, "agreement": agreement})


def task_add(request, pk):
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect(_detail_url(agreement.pk, "tasks"))
    _require_police(request.user)
    form = TaskForm(request.POST, agreement=agreement)
    if form.is_valid():
        try:
            services.task_add(actor=request.user, agreement=agreement, **form.cleaned_data)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # not a draft any more: the form is gone
                return _refused(request, agreement, error)
            form_error(form, error)
        else:
            messages.success(request, _("Task added."))
            return redirect(_detail_url(agreement.pk, "tasks"))
    return _detail_page(request, agreement, task_form=form, status=400)


def task_remove(request, pk):
    task = selectors.task_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect(_detail_url(task.agreement_id, "tasks"))
    _require_police(request.user)
    try:
        services.task_remove(actor=request.user, task=task)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Task removed."))
    return redirect(_detail_url(task.agreement_id, "tasks"))


# --- Consent and activation ---------------------------------------------------------------------


def consent(request, pk):
    """What the youth was told and agreed to (YCJA s.10), while the agreement is a draft."""
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    _require_police(request.user)
    if agreement.status != Agreement.Status.DRAFT:
        messages.info(request, _("The consent record can be changed only while a draft."))
        return redirect(_detail_url(agreement.pk, "consent"))
    form = ConsentForm(request.POST or None, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(
                actor=request.user,
                agreement=agreement,
                statement=form.cleaned_data["statement"],
                **form.consent_fields(),
            )
        except ValidationError as error:
            form_error(form, error)
            agreement = selectors.agreement_get(user=request.user, pk=pk)  # as stored
        else:
            messages.success(request, _("Consent record saved."))
            return redirect(_detail_url(agreement.pk, "consent"))
    access_record(actor=request.user, obj=agreement, detail={"page": "consent"})
    has_statement = selectors.statement_of(user=request.user, agreement=agreement) is not None
    return render(
        request,
        "payoff/agreement_consent.html",
        {"agreement": agreement, "form": form, "has_statement": has_statement},
        status=400 if form.errors else 200,
    )


def statement(request, pk):
    """The youth's statement, on its own page: police roles only (404 for anyone else)."""
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    if not request.user.is_police:
        raise Http404
    found = selectors.statement_of(user=request.user, agreement=agreement)
    access_record(actor=request.user, obj=agreement, detail={"page": "statement"})
    return render(
        request, "payoff/agreement_statement.html", {"agreement": agreement, "statement": found}
    )


def activate(request, pk):
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("payoff:detail", pk=agreement.pk)
    _require_police(request.user)
    try:
        services.agreement_activate(actor=request.user, agreement=agreement)
    except ValidationError as error:
        agreement = selectors.agreement_get(user=request.user, pk=pk)  # as stored
        return _detail_page(request, agreement, activation_errors=_labelled(error), status=400)
    messages.success(request, _("Agreement #%(pk)s is active.") % {"pk": agreement.pk})
    return redirect("payoff:detail", pk=agreement.pk)


# --- The work ledger ----------------------------------------------------------------------------


def session_add(request, pk):
    """Log a session of work (police roles, and the school admins of a school agreement)."""
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect(_detail_url(agreement.pk, "sessions"))
    form = SessionForm(request.POST, actor=request.user, agreement=agreement)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.session_log(
                actor=request.user,
                agreement=agreement,
                task=data["task"],
                on=data["date"],
                hours=data["hours"],
                what_was_done=data["what_was_done"],
                verified_by=data["verified_by"],
                verifier_name=data["verifier_name"],
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # not active (any more): no form to show it on
                return _refused(request, agreement, error)
            form_error(form, error)
        else:
            messages.success(request, _("Session logged."))
            return redirect(_detail_url(agreement.pk, "sessions"))
    return _detail_page(request, agreement, session_form=form, status=400)


# --- How it ends --------------------------------------------------------------------------------


def complete(request, pk):
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("payoff:detail", pk=agreement.pk)
    _require_police(request.user)
    try:
        services.agreement_complete(actor=request.user, agreement=agreement)
    except ValidationError as error:
        agreement = selectors.agreement_get(user=request.user, pk=pk)  # as stored
        errors = [_("The agreement cannot be completed yet."), *_labelled(error)]
        return _detail_page(request, agreement, page_errors=errors, status=400)
    messages.success(
        request,
        _("Agreement #%(pk)s completed. Check-ins are scheduled 6 and 12 months from today.")
        % {"pk": agreement.pk},
    )
    return redirect(_detail_url(agreement.pk, "check-ins"))


def not_completed(request, pk):
    """A supervisor or agency admin records that the work was not done, why, and what next."""
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("payoff:detail", pk=agreement.pk)
    if request.user.role not in CLOSERS:
        raise PermissionDenied
    form = NotCompletedForm(request.POST, agreement=agreement)
    if form.is_valid():
        try:
            services.agreement_not_completed(
                actor=request.user,
                agreement=agreement,
                reason=form.cleaned_data["reason"],
                next_step=form.cleaned_data["next_step"],
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refused(request, agreement, error)
            form_error(form, error, {"outcome_note": "reason"})
        else:
            messages.success(
                request, _("Agreement #%(pk)s closed as not completed.") % {"pk": agreement.pk}
            )
            return redirect("payoff:detail", pk=agreement.pk)
    agreement = selectors.agreement_get(user=request.user, pk=pk)  # as stored
    return _detail_page(request, agreement, not_completed_form=form, status=400)


def withdraw(request, pk):
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("payoff:detail", pk=agreement.pk)
    _require_police(request.user)
    form = WithdrawForm(request.POST, agreement=agreement)
    if form.is_valid():
        try:
            services.agreement_withdraw(
                actor=request.user, agreement=agreement, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refused(request, agreement, error)
            form_error(form, error, {"outcome_note": "reason"})
        else:
            messages.success(request, _("Agreement #%(pk)s withdrawn.") % {"pk": agreement.pk})
            return redirect("payoff:detail", pk=agreement.pk)
    agreement = selectors.agreement_get(user=request.user, pk=pk)  # as stored
    return _detail_page(request, agreement, withdraw_form=form, status=400)


# --- One agreement ------------------------------------------------------------------------------


def agreement_detail(request, pk):
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    return _detail_page(request, agreement)


def _detail_page(
    request,
    agreement: Agreement,
    *,
    status: int = 200,
    task_form=None,
    session_form=None,
    not_completed_form=None,
    withdraw_form=None,
    activation_errors=(),
    page_errors=(),
):
    """The agreement, its tasks with progress, its ledger and the actions its status allows to
    this user. It names the student: every rendering is a view of the record. The statement is
    never read here: police get a link to its page."""
    user = request.user
    access_record(actor=user, obj=agreement)
    police = user.is_police
    draft = agreement.status == Agreement.Status.DRAFT
    active = agreement.status == Agreement.Status.ACTIVE
    progress = selectors.progress_of(agreement)
    context = {
        "agreement": agreement,
        "police": police,
        "progress": progress,
        "overall": selectors.overall_percent(progress),
        "sessions": agreement.sessions.select_related("task", "verified_by", "recorded_by"),
        "page_errors": page_errors,
        "activation_errors": activation_errors,
    }
    if police:
        found = selectors.statement_of(user=user, agreement=agreement)
        context["has_statement"] = found is not None
    if police and draft:
        problems = services.activation_problems(agreement)
        context["problems"] = [(_field_label(name), text) for name, text in problems.items()]
        context["task_form"] = task_form or TaskForm(agreement=agreement)
    if active:
        context["session_form"] = session_form or SessionForm(actor=user, agreement=agreement)
        if user.role in CLOSERS:
            context["not_completed_form"] = not_completed_form or NotCompletedForm(
                agreement=agreement
            )
    if police and (draft or active):
        context["withdraw_form"] = withdraw_form or WithdrawForm(agreement=agreement)
    if agreement.status == Agreement.Status.COMPLETED:
        context["check_ins"] = agreement.check_ins.all()
    return render(request, "payoff/agreement_detail.html", context, status=status)


# --- Printable pages ----------------------------------------------------------------------------


def print_agreement(request, pk):
    """The agreement to sign, on paper: terms, tasks, dates and signature lines. Never the
    statement."""
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    access_record(actor=request.user, obj=agreement, detail={"page": "print"})
    return render(
        request,
        "payoff/agreement_print.html",
        {
            "agreement": agreement,
            "tasks": agreement.tasks.all(),
            "school_signs": agreement.basis == Basis.SCHOOL or agreement.co_signer_id,
        },
    )


def progress_card(request, pk):
    """Done against required, task by task, and the sessions logged: a card to print."""
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    access_record(actor=request.user, obj=agreement, detail={"page": "progress card"})
    progress = selectors.progress_of(agreement)
    return render(
        request,
        "payoff/agreement_progress_card.html",
        {
            "agreement": agreement,
            "progress": progress,
            "overall": selectors.overall_percent(progress),
            "sessions": agreement.sessions.select_related("task", "verified_by"),
            "today": request.user.agency.today(),
        },
    )
