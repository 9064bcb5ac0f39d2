"""Officers (with their profiles), their assignments to schools, and the coverage of schools."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from officers import selectors, services
from officers.forms.assignments import AssignmentForm, OfficerProfileForm
from officers.models import Assignment, OfficerProfile
from sro_portal.accounts.decorators import recent_authentication_required, role_required
from sro_portal.accounts.models import Role
from sro_portal.core.uploads import content_type_of

PAGE_SIZE = 50


def _form_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Officers -----------------------------------------------------------------------------------


@role_required(*Role.values)
def officer_list(request):
    today = request.user.agency.today()
    current = (
        selectors.assignment_qs_for(request.user).covering(today).order_by("-kind", "school__name")
    )
    officers = selectors.officer_qs_for(request.user).prefetch_related(
        Prefetch("assignments", queryset=current, to_attr="current_assignments")
    )
    return render(request, "officers/officer_list.html", {"officers": officers})


def officer_detail(request, pk):
    officer = selectors.officer_get(user=request.user, pk=pk)
    today = request.user.agency.today()
    history = list(
        selectors.assignment_qs_for(request.user).filter(officer=officer).order_by("-starts_on")
    )
    for assignment in history:
        assignment.is_current = assignment.covers(today)
    can_edit_profile = request.user.is_agency_admin or request.user.pk == officer.pk
    return render(
        request,
        "officers/officer_detail.html",
        {
            "officer": officer,
            "profile": selectors.profile_of(officer),
            "history": history,
            "can_edit_profile": can_edit_profile,
        },
    )


def profile_edit(request, pk):
    officer = selectors.officer_get(user=request.user, pk=pk)
    if not (request.user.is_agency_admin or request.user.pk == officer.pk):
        raise PermissionDenied
    profile = selectors.profile_of(officer) or OfficerProfile(
        agency_id=officer.agency_id, user=officer
    )
    form = OfficerProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_save(actor=request.user, officer=officer, **form.cleaned_data)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("officers:officer_detail", pk=officer.pk)
    return render(request, "officers/profile_form.html", {"form": form, "officer": officer})


def officer_photo(request, pk):
    """The officer's photo, to those who may see the officer (never a public file)."""
    officer = selectors.officer_get(user=request.user, pk=pk)
    profile = selectors.profile_of(officer)
    if profile is None or not profile.photo:
        raise Http404
    response = FileResponse(
        default_storage.open(profile.photo.name),
        content_type=content_type_of(profile.photo.name),
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    return response


# --- Assignments --------------------------------------------------------------------------------


@role_required(*Role.values)
def assignment_list(request):
    today = request.user.agency.today()
    assignments = selectors.assignment_qs_for(request.user).order_by("-starts_on", "school__name")
    when = request.GET.get("when", "current")
    if when == "current":
        assignments = assignments.covering(today)
    elif when == "past":
        assignments = assignments.filter(ends_on__lt=today)
    elif when == "future":
        assignments = assignments.filter(starts_on__gt=today)
    page = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "officers/assignment_list.html",
        {"page": page, "when": when, "today": today},
    )


@role_required(Role.ADMIN)
@recent_authentication_required(methods=("POST",))
def assignment_create(request):
    initial = {"starts_on": request.user.agency.today(), "school": request.GET.get("school")}
    form = AssignmentForm(request.POST or None, actor=request.user, initial=initial)
    return _assignment_form(request, form)


@recent_authentication_required(methods=("POST",))
def assignment_edit(request, pk):
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    if not request.user.is_agency_admin:
        raise PermissionDenied
    form = AssignmentForm(request.POST or None, instance=assignment, actor=request.user)
    return _assignment_form(request, form)


def _assignment_form(request, form):
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_save(actor=request.user, assignment=form.save(commit=False))
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Assignment saved."))
            return redirect("officers:assignment_list")
    return render(request, "officers/assignment_form.html", {"form": form})


# --- Coverage -----------------------------------------------------------------------------------


@role_required(Role.ADMIN, Role.SUPERVISOR)
def coverage(request):
    schools = selectors.schools_with_coverage(request.user)
    return render(
        request,
        "officers/coverage.html",
        {
            "schools": schools,
            "uncovered": [school for school in schools if not school.is_covered],
            "gaps": selectors.coverage_gaps(request.user),
            "today": request.user.agency.today(),
            "primary": Assignment.Kind.PRIMARY,
        },
    )
