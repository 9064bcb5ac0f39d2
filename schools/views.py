"""Pages of the schools app: schools and boards (agency admins manage them), drills (scheduled and
recorded by the SROs and school admins of the school), and drill compliance."""

import html

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from schools import csv_import, selectors, services
from schools.compliance import FLAGGED, Status, matrix_columns
from schools.forms import (
    ComplianceFilterForm,
    CorrectiveActionForm,
    DrillCancelForm,
    DrillPlanForm,
    DrillRecordForm,
    DrillRuleFormSet,
    SchoolBoardForm,
    SchoolForm,
    SchoolImportForm,
    drill_rule_initial,
)
from schools.models import Drill, DrillKind, SchoolBoard
from sro_portal.accounts.decorators import role_required
from sro_portal.accounts.models import Role
from sro_portal.core.links import pk_url

PAGE_SIZE = 50
IMPORT_SALT = "schools.import"


def _require(user, *roles) -> None:
    if user.role not in roles:
        raise PermissionDenied


def _form_error(form, error: ValidationError) -> None:
    """Show a service's refusal next to the fields it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Schools ------------------------------------------------------------------------------------


@role_required(*Role.values)
def school_list(request):
    schools = selectors.school_qs_for(request.user).select_related("board").order_by("name")
    return render(request, "schools/school_list.html", {"schools": schools})


def school_detail(request, pk):
    school = selectors.school_get(user=request.user, pk=pk)
    agency = request.user.agency
    today = agency.today()
    year = agency.school_year_for(today)
    drills = (
        selectors.drill_qs_for(request.user)
        .filter(school=school)
        .select_related("leader")
        .order_by("-planned_at")[:20]
    )
    return render(
        request,
        "schools/school_detail.html",
        {
            "school": school,
            "year": year,
            "cells": selectors.school_compliance_now(school),
            "drills": drills,
            "can_write_drills": request.user.role in services.DRILL_WRITERS,
        },
    )


@role_required(Role.ADMIN)
def school_create(request):
    return _school_form(request, SchoolForm(request.POST or None, actor=request.user))


def school_edit(request, pk):
    school = selectors.school_get(user=request.user, pk=pk)
    _require(request.user, Role.ADMIN)
    return _school_form(
        request, SchoolForm(request.POST or None, instance=school, actor=request.user)
    )


def _school_form(request, form):
    if request.method == "POST" and form.is_valid():
        try:
            school = services.school_save(actor=request.user, school=form.save(commit=False))
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(school)s saved.") % {"school": school.name})
            return redirect("schools:school_detail", pk=school.pk)
    return render(request, "schools/school_form.html", {"form": form})


@role_required(Role.ADMIN)
def school_import(request):
    """Upload a CSV, see every row checked (nothing saved), then confirm to import them all."""
    form = SchoolImportForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST" and "payload" in request.POST:
        return _import_confirmed(request, form)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        preview = csv_import.preview_schools_import(actor=request.user, data=data)
        context["preview"] = preview
        if preview.is_valid:
            context["payload"] = signing.dumps(
                data.decode("utf-8-sig"), salt=IMPORT_SALT, compress=True
            )
    return render(request, "schools/school_import.html", context)


def _import_confirmed(request, form):
    try:
        text = signing.loads(request.POST["payload"], salt=IMPORT_SALT, max_age=3600)
        schools = csv_import.import_schools(actor=request.user, data=text.encode("utf-8"))
    except signing.BadSignature:
        messages.error(request, _("The import expired or was altered. Upload the file again."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        count = len(schools)
        imported = ngettext("%(count)s school imported.", "%(count)s schools imported.", count)
        messages.success(request, imported % {"count": count})
        return redirect("schools:school_list")
    return render(request, "schools/school_import.html", {"form": form})


# --- Boards and drill rules (agency admins) -----------------------------------------------------


@role_required(Role.ADMIN)
def board_list(request):
    boards = selectors.board_qs_for(request.user).prefetch_related("drill_rules").order_by("name")
    return render(request, "schools/board_list.html", {"boards": boards})


@role_required(Role.ADMIN)
def board_create(request):
    return _board_form(request, SchoolBoardForm(request.POST or None, actor=request.user), None)


def board_edit(request, pk):
    board = selectors.board_get(user=request.user, pk=pk)
    _require(request.user, Role.ADMIN)
    return _board_form(
        request, SchoolBoardForm(request.POST or None, instance=board, actor=request.user), board
    )


def _board_form(request, form, board: SchoolBoard | None):
    rules = DrillRuleFormSet(
        request.POST or None,
        prefix="rules",
        initial=drill_rule_initial(board.drill_rules.all() if board else []),
    )
    if request.method == "POST" and form.is_valid() and (board is None or rules.is_valid()):
        try:
            saved = services.board_save(actor=request.user, board=form.save(commit=False))
            if board is not None:
                services.drill_rules_replace(
                    actor=request.user,
                    board=saved,
                    rules=[
                        {
                            "kind": rule["kind"],
                            "period": rule["period"],
                            "required": rule["required"],
                            "unannounced_required": rule["unannounced_required"],
                        }
                        for rule in rules.cleaned_data
                        if rule.get("required")
                    ],
                )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(board)s saved.") % {"board": saved.name})
            return redirect("schools:board_list")
    return render(
        request, "schools/board_form.html", {"form": form, "rules": rules, "board": board}
    )


# --- Drills -------------------------------------------------------------------------------------


@role_required(*Role.values)
def drill_list(request):
    drills = (
        selectors.drill_qs_for(request.user)
        .select_related("school", "leader")
        .order_by("-planned_at", "-pk")
    )
    status = request.GET.get("status")
    if status in Drill.Status.values:
        drills = drills.filter(status=status)
    kind = request.GET.get("kind")
    if kind in DrillKind.values:
        drills = drills.filter(kind=kind)
    page = Paginator(drills, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "schools/drill_list.html",
        {
            "page": page,
            "statuses": Drill.Status.choices,
            "kinds": DrillKind.choices,
            "status": status,
            "kind": kind,
            "can_write_drills": request.user.role in services.DRILL_WRITERS,
        },
    )


@role_required(*services.DRILL_WRITERS)
def drill_create(request):
    initial = {"announced": True, "school": request.GET.get("school")}
    form = DrillPlanForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            drill = services.drill_schedule(
                actor=request.user,
                school=form.cleaned_data["school"],
                kind=form.cleaned_data["kind"],
                planned_at=form.planned_at(),
                announced=form.cleaned_data["announced"],
                leader=form.cleaned_data["leader"],
            )
        except (ValidationError, PermissionDenied) as error:
            _form_error(form, _as_validation_error(error))
        else:
            messages.success(request, _("Drill scheduled."))
            return redirect("schools:drill_detail", pk=drill.pk)
    return render(
        request, "schools/drill_form.html", {"form": form, "title": _("Schedule a drill")}
    )


def _as_validation_error(error) -> ValidationError:
    if isinstance(error, PermissionDenied):
        return ValidationError({"school": _("You cannot schedule drills at this school.")})
    return error


def drill_detail(request, pk):
    drill = selectors.drill_get(user=request.user, pk=pk)
    can_write = request.user.role in services.DRILL_WRITERS
    return render(
        request,
        "schools/drill_detail.html",
        {
            "drill": drill,
            "actions": drill.corrective_actions.select_related("owner"),
            "can_write": can_write,
            "action_form": CorrectiveActionForm(actor=request.user) if can_write else None,
        },
    )


def drill_edit(request, pk):
    drill = selectors.drill_get(user=request.user, pk=pk)
    _require(request.user, *services.DRILL_WRITERS)
    local = timezone.localtime(drill.planned_at)
    initial = {
        "school": drill.school,
        "kind": drill.kind,
        "planned_on": local.date(),
        "planned_time": local.time().replace(second=0, microsecond=0),
        "announced": drill.announced,
        "leader": drill.leader,
    }
    form = DrillPlanForm(request.POST or None, actor=request.user, initial=initial)
    form.fields["school"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.drill_update_plan(
                actor=request.user,
                drill=drill,
                kind=form.cleaned_data["kind"],
                planned_at=form.planned_at(),
                announced=form.cleaned_data["announced"],
                leader=form.cleaned_data["leader"],
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Drill updated."))
            return redirect("schools:drill_detail", pk=drill.pk)
    return render(
        request,
        "schools/drill_form.html",
        {"form": form, "drill": drill, "title": _("Change the plan")},
    )


def drill_record(request, pk):
    drill = selectors.drill_get(user=request.user, pk=pk)
    _require(request.user, *services.DRILL_WRITERS)
    start = timezone.localtime(drill.started_at or drill.planned_at)
    initial = {
        "started_on": start.date(),
        "started_time": start.time().replace(second=0, microsecond=0),
        "ended_time": timezone.localtime(drill.ended_at).time() if drill.ended_at else None,
        "seconds_to_complete": drill.seconds_to_complete,
        "participants": drill.participants,
        "sro_present": drill.sro_present or request.user.role == Role.SRO,
        "observations": drill.observations,
    }
    form = DrillRecordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.drill_record(
                actor=request.user,
                drill=drill,
                started_at=form.started_at(),
                ended_at=form.ended_at(),
                seconds_to_complete=form.cleaned_data["seconds_to_complete"],
                participants=form.cleaned_data["participants"],
                sro_present=form.cleaned_data["sro_present"],
                observations=form.cleaned_data["observations"],
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Drill recorded."))
            return redirect("schools:drill_detail", pk=drill.pk)
    return render(request, "schools/drill_record.html", {"form": form, "drill": drill})


def drill_cancel(request, pk):
    drill = selectors.drill_get(user=request.user, pk=pk)
    _require(request.user, *services.DRILL_WRITERS)
    form = DrillCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.drill_cancel(
                actor=request.user, drill=drill, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Drill cancelled."))
            return redirect("schools:drill_detail", pk=drill.pk)
    return render(request, "schools/drill_cancel.html", {"form": form, "drill": drill})


@require_POST
def corrective_action_add(request, pk):
    drill = selectors.drill_get(user=request.user, pk=pk)
    _require(request.user, *services.DRILL_WRITERS)
    form = CorrectiveActionForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            services.corrective_action_add(actor=request.user, drill=drill, **form.cleaned_data)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Corrective action added."))
            return redirect("schools:drill_detail", pk=drill.pk)
    return render(
        request,
        "schools/drill_detail.html",
        {
            "drill": drill,
            "actions": drill.corrective_actions.select_related("owner"),
            "can_write": True,
            "action_form": form,
        },
        status=400,
    )


@require_POST
def corrective_action_done(request, pk):
    action = selectors.corrective_action_get(user=request.user, pk=pk)
    try:
        services.corrective_action_complete(
            actor=request.user, action=action, done_on=request.user.agency.today()
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Corrective action marked done."))
    return redirect("schools:drill_detail", pk=action.drill_id)


# --- Compliance ---------------------------------------------------------------------------------


# The matrix computes every school's compliance (the summary and the attention filter need them
# all: three queries and a few milliseconds for 300 schools) and draws one page of rows.
MATRIX_PAGE_SIZE = 50
FLAGGED_LISTED = 50  # requirements named in the summary; the attention filter shows them all
BADGE_CLASSES = {
    Status.COMPLETE: "text-bg-success",
    Status.ON_TRACK: "text-bg-primary",
    Status.AT_RISK: "text-bg-warning",
    Status.BEHIND: "text-bg-danger",
}


@role_required(Role.ADMIN, Role.SUPERVISOR)
def compliance_matrix(request):
    agency = request.user.agency
    today = agency.today()
    year = agency.school_year_for(today)
    years = [agency.school_year_for(year.start.replace(year=year.start.year - n)) for n in range(5)]
    chosen = request.GET.get("year")
    if chosen and chosen.isdigit():
        year = next((y for y in years if y.start.year == int(chosen)), year)
    filters = ComplianceFilterForm(request.GET or None, actor=request.user)
    chosen = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    matrix = selectors.compliance_matrix(
        request.user, year=year, today=today, board=chosen.get("board")
    )
    if chosen.get("attention"):
        matrix = [(school, cells) for school, cells in matrix if _needs_attention(cells)]
    # The columns of every page's schools, so that the columns do not move from page to page.
    columns = matrix_columns(matrix)
    labels = dict(columns)
    flagged = [
        (school, cell) for school, cells in matrix for cell in cells if cell.status in FLAGGED
    ]
    page = Paginator(matrix, MATRIX_PAGE_SIZE).get_page(request.GET.get("page"))
    badges = {status: _badge(status) for status in Status}
    school_url = pk_url("schools:school_detail")
    return render(
        request,
        "schools/compliance_matrix.html",
        {
            "page": page,
            "rows": _rows_html(page, list(labels), badges, school_url),
            "columns": list(labels.values()),
            "year": year,
            "year_options": _year_options_html(years, year),
            "filters": filters,
            "flagged": _flagged_html(flagged[:FLAGGED_LISTED], labels, badges, school_url),
            "flagged_count": len(flagged),
            "flagged_unlisted": max(len(flagged) - FLAGGED_LISTED, 0),
            # The link to the attention filter, under a summary too long to list whole.
            "attention_query": (
                _attention_query(request.GET) if len(flagged) > FLAGGED_LISTED else ""
            ),
            "attention": bool(chosen.get("attention")),
            "filtered": bool(chosen.get("board") or chosen.get("attention")),
        },
    )


def _needs_attention(cells) -> bool:
    return any(cell.status in FLAGGED for cell in cells)


def _attention_query(params) -> str:
    """The query string of the matrix's schools at risk or behind, the other filters kept."""
    params = params.copy()
    params.pop("page", None)
    params["attention"] = "on"
    return params.urlencode()


# Cells are drawn here rather than by a template included per cell: 50 rows of five cells cost
# milliseconds through {% include %}, and still one or two through format_html's lazy-string
# checks; plain strings with the standard library's html.escape (as sro_portal.core.forms does
# for <select>) cost a fraction of that. The pieces are plain str (a SafeString in an f-string
# costs a call to its __str__); what the template gets is marked safe once, whole.
NO_RULE = '<td><span class="text-body-secondary">—</span></td>'


def _badge(status) -> str:
    """A status as a badge: its name in words, the colour only repeats it. HTML, for the pieces
    drawn here: the label is escaped."""
    return f'<span class="badge {BADGE_CLASSES[status]}">{html.escape(str(status.label))}</span>'


def _rows_html(page, keys, badges, school_url) -> SafeString:
    """The page's rows: the school (a row header), then one cell for each column (a dash where
    its board has no such rule)."""
    parts = []
    notes: dict[tuple[str, int], str] = {}  # a few periods and numbers planned: each drawn once
    # The page's list itself: iterating the Page goes through Sequence.__getitem__, row by row.
    for school, cells in page.object_list:
        by_key = {(cell.kind, cell.unannounced_only): cell for cell in cells}
        parts.append(
            f'<tr><th scope="row" class="fw-normal"><a href="{html.escape(school_url(school.pk))}">'
            f"{html.escape(school.name)}</a></th>"
        )
        for key in keys:
            cell = by_key.get(key)
            parts.append(NO_RULE if cell is None else _cell_html(cell, badges, notes))
        parts.append("</tr>")
    return SafeString("".join(parts))  # every value in them went through html.escape


def _flagged_html(flagged, labels, badges, school_url) -> SafeString:
    """The summary's items: each requirement at risk or behind, as its school (a link to its
    page), its column's label and its status."""
    return SafeString(  # every value in them went through html.escape
        "".join(
            f'<li><a href="{html.escape(school_url(school.pk))}">{html.escape(school.name)}</a>: '
            f"{html.escape(labels[cell.kind, cell.unannounced_only])} {badges[cell.status]}</li>"
            for school, cell in flagged
        )
    )


def _year_options_html(years, chosen) -> SafeString:
    """The school year <select>'s options: each year by the year it starts, the chosen one
    selected."""
    # The labels are numbers ("2026-2027"), escaped all the same.
    return SafeString(
        "".join(
            f'<option value="{option.start.year:d}"'
            f"{' selected' if option.start == chosen.start else ''}>"
            f"{html.escape(option.label)}</option>"
            for option in years
        )
    )


def _cell_html(cell, badges, notes) -> str:
    """One kind at one school: done out of required in the period in progress, the status, and
    the note under them (notes: those drawn so far, by period and drills planned)."""
    current = cell.requirements[-1]  # KindCompliance.current, without the property's call
    key = (current.period.label, current.planned)
    note = notes.get(key)
    if note is None:
        note = notes[key] = _note_html(*key)
    return (
        f'<td><span class="fw-semibold">{current.done:d}/{current.required:d}</span> '
        f"{badges[cell.status]}{note}</td>"
    )


def _note_html(period: str, planned: int) -> str:
    """The period in progress and the drills still planned in it."""
    text = period
    if planned:
        text += " · " + ngettext("%(counter)s planned", "%(counter)s planned", planned) % {
            "counter": planned
        }
    return f'<div class="small text-body-secondary">{html.escape(text)}</div>'
