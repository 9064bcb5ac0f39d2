"""Pages of the incident log for police roles (agency admin, supervisor, SRO).

School admins never reach `police_list` and `police_detail` (incidents/views/__init__.py sends
them to school.py); every other page here answers them 403 (the create page and the lists) or 404
(anything named by an id: the selectors see nothing for them).

Youth identities: the detail page and a student's incident history show who was involved, so each
GET of them writes one access event. The list shows counts of people by role, never names. A
student's name typed in the list's search box is posted and kept in the session, never put in a
URL; flash messages (a cookie) never carry a student's name.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from incidents import selectors, services
from incidents.forms.police import (
    INCIDENT_ERROR_FIELDS,
    DisclosureForm,
    FollowUpForm,
    IncidentFilterForm,
    IncidentForm,
    PersonForm,
    ResponseForm,
    StatusForm,
    form_error,
)
from incidents.models import Incident, InvolvementRole
from officers.selectors import student_get, student_qs_for, students_named
from sro_portal.accounts.decorators import recent_authentication_required, role_required
from sro_portal.accounts.models import Role
from sro_portal.audit.services import access_record, access_record_many
from sro_portal.core.pagination import keyset_page
from sro_portal.core.ratelimit import rate_limit

PAGE_SIZE = 50
# What a row of the list shows (incidents/templatetags/incident_list.py) and the access record
# reads, not the narrative; the school's name comes from selectors.incident_search.
ROW_FIELDS = (
    "id",
    "agency_id",
    "occurred_at",
    "category",
    "severity",
    "location",
    "status",
    "school_name",
)
POLICE = (Role.ADMIN, Role.SUPERVISOR, Role.SRO)
SEARCH_SESSION_KEY = "incident_student_search"
SEARCH_MAX = 100
SEARCH_TERMS = 5


def _id_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def _detail_url(incident_id: int, anchor: str = "") -> str:
    url = reverse("incidents:detail", args=[incident_id])
    return f"{url}#{anchor}" if anchor else url


# --- The list -----------------------------------------------------------------------------------


@role_required(*POLICE)
@rate_limit("search", methods=("POST",))
def police_list(request):
    """Incidents at the user's schools, newest first, with filters from the query string (none of
    them a name) and a student name search kept in the session."""
    user = request.user
    if request.method == "POST":
        request.session[SEARCH_SESSION_KEY] = request.POST.get("q", "").strip()[:SEARCH_MAX]
        params = request.GET.copy()
        # A new search starts at the newest incidents: no page cursor (nor an old page number).
        for cursor in ("after", "before", "page"):
            params.pop(cursor, None)
        url = reverse("incidents:list")
        return redirect(f"{url}?{params.urlencode()}" if params else url)

    filter_form = IncidentFilterForm(request.GET or None, actor=user)
    chosen = {}
    if filter_form.is_bound:
        filter_form.is_valid()  # fields that do not parse are left out, and shown as errors
        chosen = filter_form.cleaned_data
    query = request.session.get(SEARCH_SESSION_KEY, "")
    school = chosen.get("school")
    filters = selectors.IncidentFilters(
        school_id=school.pk if school else None,
        category=chosen.get("category") or None,
        status=chosen.get("status") or None,
        date_from=chosen.get("date_from"),
        date_to=chosen.get("date_to"),
        student_ids=_students_named(user, query) if query else None,
    )
    incidents = selectors.incident_search(user, filters, tz=user.agency.tzinfo)
    # Rows as named tuples of what a row shows: no model instance a row.
    incidents = incidents.values_list(*ROW_FIELDS, named=True)
    page = keyset_page(incidents, request.GET, keys=("-occurred_at", "-id"), per_page=PAGE_SIZE)
    if query:
        # Incidents found by a student's name tie that student to them: a view of each.
        access_record_many(
            actor=user,
            objs=page.object_list,
            model=Incident,
            detail={"page": "incident list", "search": "name"},
        )
    return render(
        request,
        "incidents/police_list.html",
        {
            "page": page,
            # Counted for the page's rows only: a COUNT joined over every incident before the
            # LIMIT took seconds at 200,000 incidents.
            "people": selectors.people_counts(user, [row.id for row in page]),
            "filter_form": filter_form,
            "query": query,
            "filtered": bool(query) or any(chosen.get(name) for name in filter_form.fields),
        },
    )


def _students_named(user, query: str) -> tuple[int, ...]:
    """The students the user sees whose name or number matches each word of `query`. One
    filter() with a condition a word: each filter() call clones the query."""
    words = [students_named(term) for term in query.split()[:SEARCH_TERMS]]
    students = student_qs_for(user).filter(*words)
    return tuple(students.order_by().values_list("pk", flat=True))


# --- One incident -------------------------------------------------------------------------------


def police_detail(request, pk):
    incident = selectors.incident_get(user=request.user, pk=pk)
    return _detail_page(request, incident)


def _detail_page(
    request,
    incident: Incident,
    *,
    status: int = 200,
    person_form=None,
    response_forms=None,
    follow_up_form=None,
    status_form=None,
    page_errors=(),
):
    """The incident with its people, follow-ups and disclosures, and the forms that change them.
    It names the people involved: every rendering is a view of the record."""
    user = request.user
    access_record(actor=user, obj=incident)
    today = user.agency.today()
    people = selectors.people_of(incident)
    response_forms = response_forms or {}
    for person in people:
        person.response_form = None
        if person.role == InvolvementRole.SUBJECT:
            person.response_form = response_forms.get(person.pk) or ResponseForm(involvement=person)
    follow_ups = list(incident.follow_ups.select_related("owner").order_by("due_on", "pk"))
    for follow_up in follow_ups:
        follow_up.overdue = follow_up.is_overdue(today)
    disclosures = incident.disclosures.select_related(
        "recipient", "disclosed_by", "withdrawn_by"
    ).order_by("-created_at", "-pk")
    return render(
        request,
        "incidents/police_detail.html",
        {
            "incident": incident,
            "people": people,
            "follow_ups": follow_ups,
            "disclosures": disclosures,
            "person_form": person_form or PersonForm(actor=user, incident=incident),
            "follow_up_form": follow_up_form or FollowUpForm(actor=user, incident=incident),
            "status_form": status_form or StatusForm(incident=incident),
            "page_errors": page_errors,
        },
        status=status,
    )


@role_required(*POLICE)
def incident_create(request):
    initial = {"occurred_on": request.user.agency.today(), "school": _id_param(request, "school")}
    form = IncidentForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_create(
                actor=request.user, school=form.cleaned_data["school"], **form.incident_fields()
            )
        except ValidationError as error:
            form_error(form, error, INCIDENT_ERROR_FIELDS)
        else:
            messages.success(request, _("Incident recorded. Add the people involved below."))
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/police_form.html", {"form": form, "incident": None})


def incident_edit(request, pk):
    incident = selectors.incident_get(user=request.user, pk=pk)
    form = IncidentForm(request.POST or None, actor=request.user, incident=incident)
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_update(
                actor=request.user, incident=incident, **form.incident_fields()
            )
        except ValidationError as error:
            form_error(form, error, INCIDENT_ERROR_FIELDS)
            # The service set the fields before refusing: show the stored record around the form.
            incident = selectors.incident_get(user=request.user, pk=pk)
        else:
            messages.success(request, _("Incident saved."))
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/police_form.html", {"form": form, "incident": incident})


def incident_status(request, pk):
    incident = selectors.incident_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("incidents:detail", pk=incident.pk)
    form = StatusForm(request.POST, incident=incident)
    if form.is_valid():
        try:
            services.incident_set_status(
                actor=request.user,
                incident=incident,
                status=form.cleaned_data["status"],
                closing_note=form.cleaned_data["closing_note"],
            )
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(
                request,
                _("Status saved: %(status)s.") % {"status": incident.get_status_display()},
            )
            return redirect("incidents:detail", pk=incident.pk)
    incident = selectors.incident_get(user=request.user, pk=pk)  # as stored
    return _detail_page(request, incident, status_form=form, status=400)


# --- People involved ----------------------------------------------------------------------------


def person_add(request, pk):
    incident = selectors.incident_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("incidents:detail", pk=incident.pk)
    form = PersonForm(request.POST, actor=request.user, incident=incident)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.involvement_add(
                actor=request.user,
                incident=incident,
                role=data["role"],
                student=data["student"],
                name=data["name"],
                description=data["description"],
                age=data["age"],
            )
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Person added to the incident."))
            return redirect(_detail_url(incident.pk, "people"))
    return _detail_page(request, incident, person_form=form, status=400)


def person_response(request, pk):
    involvement = selectors.involvement_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect(_detail_url(involvement.incident_id, "people"))
    form = ResponseForm(request.POST, involvement=involvement)
    if form.is_valid():
        try:
            services.involvement_set_response(
                actor=request.user,
                involvement=involvement,
                response=form.cleaned_data["response"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form_error(form, error, {"response_note": "note"})
        else:
            messages.success(request, _("Response saved."))
            return redirect(_detail_url(involvement.incident_id, f"person-{involvement.pk}"))
    incident = selectors.incident_get(user=request.user, pk=involvement.incident_id)
    if involvement.role == InvolvementRole.SUBJECT:
        return _detail_page(request, incident, response_forms={pk: form}, status=400)
    # Only subjects have a response form on the page: say why above it.
    errors = [message for messages_ in form.errors.values() for message in messages_]
    return _detail_page(request, incident, page_errors=errors, status=400)


def person_remove(request, pk):
    involvement = selectors.involvement_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect(_detail_url(involvement.incident_id, "people"))
    services.involvement_remove(actor=request.user, involvement=involvement)
    messages.success(request, _("Person removed from the incident."))
    return redirect(_detail_url(involvement.incident_id, "people"))


# --- Follow-ups ---------------------------------------------------------------------------------


def follow_up_add(request, pk):
    incident = selectors.incident_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("incidents:detail", pk=incident.pk)
    form = FollowUpForm(request.POST, actor=request.user, incident=incident)
    if form.is_valid():
        try:
            services.follow_up_add(actor=request.user, incident=incident, **form.cleaned_data)
        except ValidationError as error:
            form_error(form, error)
        else:
            messages.success(
                request, _("Follow-up added. Its owner will be reminded on the due date.")
            )
            return redirect(_detail_url(incident.pk, "follow-ups"))
    incident = selectors.incident_get(user=request.user, pk=pk)  # as stored
    return _detail_page(request, incident, follow_up_form=form, status=400)


def follow_up_done(request, pk):
    follow_up = selectors.follow_up_get(user=request.user, pk=pk)
    back = (
        reverse("incidents:overdue")
        if request.POST.get("back") == "overdue"
        else _detail_url(follow_up.incident_id, "follow-ups")
    )
    if request.method != "POST":
        return redirect(_detail_url(follow_up.incident_id, "follow-ups"))
    try:
        services.follow_up_done(actor=request.user, follow_up=follow_up)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Follow-up marked done."))
    return redirect(back)


@role_required(*POLICE)
def overdue(request):
    """Follow-ups past their due date: the agency's for supervisors and admins, an SRO's own."""
    today = request.user.agency.today()
    follow_ups = selectors.overdue_follow_ups(request.user, today=today)
    page = Paginator(follow_ups, PAGE_SIZE).get_page(request.GET.get("page"))
    for follow_up in page:
        follow_up.days_late = (today - follow_up.due_on).days
    return render(request, "incidents/police_overdue.html", {"page": page, "today": today})


# --- Disclosures to the school (YCJA s.125(6)) --------------------------------------------------


@recent_authentication_required(methods=("POST",))
def disclosure_create(request, pk):
    incident = selectors.incident_get(user=request.user, pk=pk)
    form = DisclosureForm(request.POST or None, actor=request.user, incident=incident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            disclosure = services.disclosure_make(
                actor=request.user,
                incident=incident,
                recipient=data["recipient"],
                ground=data["ground"],
                text=data["text"],
            )
        except ValidationError as error:
            form_error(form, error, {"disclosed_text": "text"})
        else:
            messages.success(
                request,
                _("Disclosed to %(recipient)s, and recorded in the audit trail.")
                % {"recipient": disclosure.recipient},
            )
            return redirect(_detail_url(incident.pk, "disclosures"))
    return render(
        request, "incidents/police_disclosure_form.html", {"form": form, "incident": incident}
    )


def disclosure_withdraw(request, pk):
    disclosure = selectors.disclosure_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect(_detail_url(disclosure.incident_id, "disclosures"))
    try:
        services.disclosure_withdraw(actor=request.user, disclosure=disclosure)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Disclosure withdrawn: the recipient no longer sees it."))
    return redirect(_detail_url(disclosure.incident_id, "disclosures"))


# --- A student's incidents ----------------------------------------------------------------------


def student_history(request, pk):
    student = student_get(user=request.user, pk=pk)
    access_record(actor=request.user, obj=student, detail={"page": "incident history"})
    involvements = selectors.student_history(request.user, student)
    return render(
        request,
        "incidents/police_student_history.html",
        {
            "student": student,
            "age": student.age_on(request.user.agency.today()),
            "involvements": involvements,
        },
    )
