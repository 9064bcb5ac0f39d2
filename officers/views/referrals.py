"""Pages for students, community partners and referrals.

Students and referrals are youth records: police roles only (school admins get 403 on the lists
and 404 on ids, through the selectors), and every view of one writes an access event. Student
names never go into URLs, page titles, flash messages (a cookie) or logs: pages refer to ids.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from officers import selectors, services
from officers.forms.referrals import (
    PartnerForm,
    ReferralFollowUpForm,
    ReferralForm,
    StudentForm,
)
from officers.models import Referral
from schools.selectors import school_qs_for
from sro_portal.accounts.decorators import role_required
from sro_portal.accounts.models import Role
from sro_portal.audit.services import access_record, access_record_many
from sro_portal.core.ratelimit import rate_limit

PAGE_SIZE = 50
POLICE = (Role.ADMIN, Role.SUPERVISOR, Role.SRO)
SEARCH_MAX = 100


def _form_error(form, error: ValidationError) -> None:
    """Show a service's refusal next to the fields it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _id_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


# --- Students -----------------------------------------------------------------------------------


SEARCH_SESSION_KEY = "student_search"


@role_required(*POLICE)
@rate_limit("search", methods=("POST",))
def student_list(request):
    """The students of the user's schools. A name typed in the search box is posted and kept in
    the session, never put in the URL (where server logs and browser history would keep it)."""
    school_id = _id_param(request, "school")
    if request.method == "POST":
        request.session[SEARCH_SESSION_KEY] = request.POST.get("q", "").strip()[:SEARCH_MAX]
        school = request.POST.get("school", "")
        url = reverse("officers:student_list")
        return redirect(f"{url}?school={school}" if school.isdigit() else url)
    query = request.session.get(SEARCH_SESSION_KEY, "")
    students = selectors.student_qs_for(request.user).order_by("last_name", "first_name", "pk")
    for term in query.split()[:5]:
        students = students.filter(selectors.students_named(term))
    if school_id is not None:
        students = students.filter(school_id=school_id)
    page = Paginator(students, PAGE_SIZE).get_page(request.GET.get("page"))
    # A list of names is a view of each student on it.
    access_record_many(actor=request.user, objs=list(page), detail={"page": "student list"})
    return render(
        request,
        "officers/student_list.html",
        {
            "page": page,
            "query": query,
            "school_id": school_id,
            "schools": school_qs_for(request.user).order_by("name"),
        },
    )


@role_required(*POLICE)
def student_create(request):
    initial = {"school": _id_param(request, "school")}
    form = StudentForm(request.POST or None, actor=request.user, initial=initial)
    return _student_form(request, form)


def student_edit(request, pk):
    student = selectors.student_get(user=request.user, pk=pk)
    if request.method != "POST":
        # The form shows the record: a view like the detail page.
        access_record(actor=request.user, obj=student, detail={"page": "edit"})
    form = StudentForm(request.POST or None, instance=student, actor=request.user)
    return _student_form(request, form)


def _student_form(request, form):
    if request.method == "POST" and form.is_valid():
        try:
            student = services.student_save(actor=request.user, student=form.save(commit=False))
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Student record saved."))
            return redirect("officers:student_detail", pk=student.pk)
    return render(request, "officers/student_form.html", {"form": form})


def student_detail(request, pk):
    student = selectors.student_get(user=request.user, pk=pk)
    access_record(actor=request.user, obj=student)
    referrals = (
        selectors.referral_qs_for(request.user).filter(student=student).order_by("-made_on", "-pk")
    )
    return render(
        request,
        "officers/student_detail.html",
        {
            "student": student,
            "age": student.age_on(request.user.agency.today()),
            "referrals": referrals,
        },
    )


# --- Community partners -------------------------------------------------------------------------


@role_required(*Role.values)
def partner_list(request):
    partners = selectors.partner_qs_for(request.user).order_by("-is_active", "name")
    return render(request, "officers/partner_list.html", {"partners": partners})


@role_required(Role.ADMIN)
def partner_create(request):
    return _partner_form(request, PartnerForm(request.POST or None, actor=request.user))


def partner_edit(request, pk):
    partner = selectors.partner_get(user=request.user, pk=pk)
    if not request.user.is_agency_admin:
        raise PermissionDenied
    form = PartnerForm(request.POST or None, instance=partner, actor=request.user)
    return _partner_form(request, form)


def _partner_form(request, form):
    if request.method == "POST" and form.is_valid():
        try:
            partner = services.partner_save(actor=request.user, partner=form.save(commit=False))
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("%(partner)s saved.") % {"partner": partner.name})
            return redirect("officers:partner_list")
    return render(request, "officers/partner_form.html", {"form": form})


# --- Referrals ----------------------------------------------------------------------------------


@role_required(*POLICE)
def referral_list(request):
    referrals = (
        selectors.referral_qs_for(request.user)
        .select_related("student__school")
        .order_by("-made_on", "-pk")
    )
    status = request.GET.get("status", "")
    if status in Referral.Status.values:
        referrals = referrals.filter(status=status)
    partner_id = _id_param(request, "partner")
    if partner_id is not None:
        referrals = referrals.filter(partner_id=partner_id)
    open_only = request.GET.get("open") == "1"
    if open_only:
        referrals = referrals.exclude(status__in=[Referral.Status.CLOSED, Referral.Status.DECLINED])
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    # Each referral listed names its student: a view of each.
    access_record_many(actor=request.user, objs=list(page), detail={"page": "referral list"})
    return render(
        request,
        "officers/referral_list.html",
        {
            "page": page,
            "rates": selectors.referral_loop_rates(request.user),
            "statuses": Referral.Status.choices,
            "status": status,
            "partners": selectors.partner_qs_for(request.user).order_by("name"),
            "partner_id": partner_id,
            "open_only": open_only,
        },
    )


@role_required(*POLICE)
def referral_create(request):
    initial = {"student": _id_param(request, "student"), "made_on": request.user.agency.today()}
    form = ReferralForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_make(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, _("Referral made. You will be reminded to confirm it in 14 days.")
            )
            return redirect("officers:referral_detail", pk=referral.pk)
    return render(request, "officers/referral_form.html", {"form": form})


def referral_detail(request, pk):
    referral = selectors.referral_get(user=request.user, pk=pk)
    return _referral_page(request, referral, ReferralFollowUpForm(referral=referral))


def _referral_page(request, referral, form, *, status=200):
    access_record(actor=request.user, obj=referral)
    return render(
        request,
        "officers/referral_detail.html",
        {"referral": referral, "form": form if referral.is_open else None},
        status=status,
    )


def referral_update(request, pk):
    referral = selectors.referral_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("officers:referral_detail", pk=referral.pk)
    if not referral.is_open:
        return _closed(request, referral)
    form = ReferralFollowUpForm(request.POST, referral=referral)
    if form.is_valid():
        try:
            services.referral_update(
                actor=request.user,
                referral=referral,
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
                on=request.user.agency.today(),
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Follow-up saved."))
            return redirect("officers:referral_detail", pk=referral.pk)
    # The service may have changed the instance before refusing: show the stored record.
    referral = selectors.referral_get(user=request.user, pk=pk)
    if not referral.is_open:  # closed by someone else meanwhile
        return _closed(request, referral)
    return _referral_page(request, referral, form, status=400)


def _closed(request, referral):
    messages.error(
        request, _("This referral is closed and cannot be reopened. Make a new referral instead.")
    )
    return redirect("officers:referral_detail", pk=referral.pk)
