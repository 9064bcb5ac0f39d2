"""Pages of a talk, from the school's request to the delivery record: the list, the request, the
detail, scheduling (and moving), recording the delivery, and cancelling.

Who sees what (presentations.selectors.presentation_qs_for): the talks at the schools the user
sees. Who does what (presentations.services): admins, SROs and school admins request; agency
admins, supervisors and the SROs of the school schedule and record the delivery; those, and the
school admins of the school, cancel. A page about a talk answers 404 to anyone who cannot see it,
and 403 to someone who sees it but may not do what the page does.

The feedback link is a credential: it goes to the requester by reminder only, never on a page.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from presentations import selectors, services
from presentations.forms.talks import (
    CancelForm,
    DeliverForm,
    PresentationFilterForm,
    RequestForm,
    ScheduleForm,
)
from presentations.models import Presentation
from sro_portal.accounts.decorators import role_required
from sro_portal.accounts.models import Role
from sro_portal.core.pagination import keyset_page

PAGE_SIZE = 50
OPEN = (Presentation.Status.REQUESTED, Presentation.Status.SCHEDULED)
CANCELLERS = services.SCHEDULERS | {Role.SCHOOL}


def _id_param(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 12 else None


def _talk(request, pk, *, methods=("GET", "HEAD", "POST")):
    """The talk the page is about, for a user who may see it (404 for anyone else, whatever the
    method: outsiders learn nothing), and None when the page does not answer this method."""
    presentation = selectors.presentation_get(user=request.user, pk=pk)
    return presentation if request.method in methods else None


def _require(user, roles) -> None:
    """For a page about a talk the user can see: 403 unless their role may act (outsiders got
    their 404 from the selector already)."""
    if user.role not in roles:
        raise PermissionDenied


def _form_error(form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Show a service's refusal next to the field it names (`fields` maps the service's name to
    the form's), or above the form when no field holds it (the status moved on in another tab)."""
    fields = fields or {}
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            name = fields.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _started(presentation: Presentation) -> bool:
    return presentation.scheduled_at is not None and presentation.scheduled_at <= timezone.now()


# --- The list -----------------------------------------------------------------------------------


@require_safe
@role_required(*Role.values)
def presentation_list(request):
    """The talks at the user's schools, filtered by the query string. Constant queries."""
    user = request.user
    filter_form = PresentationFilterForm(request.GET or None, actor=user)
    chosen = {}
    if filter_form.is_bound:
        filter_form.is_valid()  # fields that do not parse are left out, and shown as errors
        chosen = filter_form.cleaned_data
    talks = selectors.presentation_list_for(
        user,
        status=chosen.get("status") or "",
        school=chosen.get("school"),
        topic=chosen.get("topic"),
    )
    # The selector's order: talks without a date first, then latest first. The rows are drawn by
    # {% presentation_list_rows %} (presentations/templatetags/presentation_tags.py).
    page = keyset_page(
        talks,
        request.GET,
        keys=("-scheduled_at", "-created_at", "-id"),
        per_page=PAGE_SIZE,
        nulls_first=True,
    )
    filtered = any(chosen.get(name) for name in filter_form.fields)
    can_request = user.role in services.REQUESTERS
    context = {
        "page": page,
        "filter_form": filter_form,
        "filtered": filtered,
        "can_request": can_request,
        "keeps_catalogue": user.role in services.CATALOGUE_KEEPERS,
    }
    if not page.object_list and not filtered:
        # What to do first: a catalogue to request from.
        context["has_topics"] = selectors.topic_qs_for(user).filter(is_active=True).exists()
    return render(request, "presentations/presentation_list.html", context)


# --- The request --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(*services.REQUESTERS)
def presentation_request(request):
    """A school asks for a talk (?school=<id>, ?topic=<id> preselect them)."""
    user = request.user
    initial = {"school": _id_param(request, "school"), "topic": _id_param(request, "topic")}
    form = RequestForm(request.POST or None, actor=user, initial=initial)
    if not form.is_bound and initial["school"] is None:
        only = list(form.fields["school"].queryset[:2])
        if len(only) == 1:  # one school: chosen already
            form.initial["school"] = only[0].pk
    if request.method == "POST" and form.is_valid():
        try:
            presentation = services.presentation_request(actor=user, **form.cleaned_data)
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("Your request for “%(topic)s” was sent. An SRO will schedule it.")
                % {"topic": presentation.topic.title},
            )
            return redirect("presentations:detail", pk=presentation.pk)
    return render(
        request,
        "presentations/presentation_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


# --- One talk -----------------------------------------------------------------------------------


def presentation_detail(request, pk):
    user = request.user
    presentation = _talk(request, pk, methods=("GET", "HEAD"))
    if presentation is None:
        return HttpResponseNotAllowed(["GET", "HEAD"])
    status = presentation.status
    is_open = status in OPEN
    context = {
        "presentation": presentation,
        "history": selectors.schedule_history(presentation),
        "can_schedule": is_open and user.role in services.SCHEDULERS,
        "can_deliver": (
            status == Presentation.Status.SCHEDULED
            and user.role in services.SCHEDULERS
            and _started(presentation)
        ),
        "can_cancel": is_open and user.role in CANCELLERS,
        "shows_feedback": False,
    }
    # Police roles read the answers; a school admin, only on a talk they asked for.
    if status == Presentation.Status.DELIVERED and (
        user.is_police or presentation.requested_by_id == user.pk
    ):
        feedback = selectors.feedback_of(presentation)
        context["shows_feedback"] = True
        context["feedback"] = feedback
        context["feedback_open"] = feedback is not None and selectors.feedback_is_open(feedback)
    return render(request, "presentations/presentation_detail.html", context)


# --- Scheduling ---------------------------------------------------------------------------------


def presentation_schedule(request, pk):
    """Set the date, room and presenters; or move a scheduled talk (with the reason, kept)."""
    user = request.user
    presentation = _talk(request, pk)
    if presentation is None:
        return HttpResponseNotAllowed(["GET", "POST"])
    _require(user, services.SCHEDULERS)
    if request.method != "POST" and presentation.status not in OPEN:
        messages.info(request, _("Only a requested or scheduled presentation can be scheduled."))
        return redirect("presentations:detail", pk=presentation.pk)
    form = ScheduleForm(
        request.POST or None,
        actor=user,
        presentation=presentation,
        initial=_schedule_initial(user, presentation),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        moving = presentation.status == Presentation.Status.SCHEDULED
        try:
            services.presentation_schedule(
                actor=user,
                presentation=presentation,
                scheduled_at=data["scheduled_at"],
                room=data["room"],
                presenters=list(data["presenters"]),
                partner=data["partner"],
                reason=data.get("reason", ""),
            )
        except ValidationError as error:
            _form_error(form, error)
            presentation = selectors.presentation_get(user=user, pk=pk)  # as stored
        else:
            if moving:
                messages.success(request, _("The presentation's schedule was changed."))
            else:
                messages.success(request, _("The presentation is scheduled."))
            return redirect("presentations:detail", pk=presentation.pk)
    return render(
        request,
        "presentations/presentation_schedule.html",
        {"form": form, "presentation": presentation},
        status=400 if form.errors else 200,
    )


def _schedule_initial(user, presentation: Presentation) -> dict:
    if presentation.status == Presentation.Status.SCHEDULED:
        return {
            "scheduled_at": presentation.scheduled_at,
            "room": presentation.room,
            "presenters": [person.pk for person in presentation.presenters.all()],
            "partner": presentation.partner_id,
        }
    return {
        "presenters": [user.pk] if user.role == Role.SRO else [],
        "partner": presentation.topic.partner_id,
    }


# --- The delivery -------------------------------------------------------------------------------


def presentation_deliver(request, pk):
    """Record the talk as given; the requester then gets a one-time link for feedback."""
    user = request.user
    presentation = _talk(request, pk)
    if presentation is None:
        return HttpResponseNotAllowed(["GET", "POST"])
    _require(user, services.SCHEDULERS)
    if request.method != "POST":
        if presentation.status != Presentation.Status.SCHEDULED:
            messages.info(request, _("Only a scheduled presentation can be recorded as given."))
            return redirect("presentations:detail", pk=presentation.pk)
        if not _started(presentation):
            messages.info(request, _("A presentation can be recorded once it has started."))
            return redirect("presentations:detail", pk=presentation.pk)
    form = DeliverForm(
        request.POST or None,
        initial={
            "students_reached": presentation.students_reached,
            "classes_reached": presentation.classes_reached or presentation.classes,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.presentation_deliver(
                actor=user, presentation=presentation, **form.cleaned_data
            )
        except ValidationError as error:
            _form_error(form, error)
            presentation = selectors.presentation_get(user=user, pk=pk)  # as stored
        else:
            messages.success(
                request,
                _(
                    "Delivery recorded. %(requester)s, who asked for the presentation, was sent a "
                    "one-time link to give feedback."
                )
                % {"requester": presentation.requested_by},
            )
            return redirect("presentations:detail", pk=presentation.pk)
    return render(
        request,
        "presentations/presentation_deliver.html",
        {"form": form, "presentation": presentation},
        status=400 if form.errors else 200,
    )


# --- A cancellation -----------------------------------------------------------------------------


def presentation_cancel(request, pk):
    """GET asks for the reason; POST calls the talk off."""
    user = request.user
    presentation = _talk(request, pk)
    if presentation is None:
        return HttpResponseNotAllowed(["GET", "POST"])
    _require(user, CANCELLERS)
    if request.method != "POST" and presentation.status not in OPEN:
        messages.info(request, _("Only a requested or scheduled presentation can be cancelled."))
        return redirect("presentations:detail", pk=presentation.pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.presentation_cancel(
                actor=user, presentation=presentation, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _form_error(form, error, {"cancel_reason": "reason"})
            presentation = selectors.presentation_get(user=user, pk=pk)  # as stored
        else:
            messages.success(request, _("The presentation is cancelled. Its reminders stop."))
            return redirect("presentations:detail", pk=presentation.pk)
    return render(
        request,
        "presentations/presentation_cancel.html",
        {"form": form, "presentation": presentation},
        status=400 if form.errors else 200,
    )
