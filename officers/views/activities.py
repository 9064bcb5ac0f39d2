"""The activity log: the SRO's record of their day, fast enough to fill on a phone between
classes (create, and their week), the agency's list for supervisors and admins, and changes
within the rules of officers/services.py (`can_edit`: 7 days for the officer, any time for a
supervisor, the audit trail recording each change)."""

import functools
from collections.abc import Callable
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import dateformat, formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from officers import selectors, services
from officers.forms.activities import ActivityFilterForm, ActivityForm, initial_from
from officers.models import CATEGORY_ROLES, Activity, ActivityCategory, SRORole, by_role
from sro_portal.accounts.decorators import role_required
from sro_portal.accounts.models import Role
from sro_portal.core.links import pk_url
from sro_portal.core.pagination import keyset_page
from sro_portal.dashboards.forms import MAX_YEARS, years_after
from sro_portal.dashboards.metrics import time_spent
from sro_portal.dashboards.scope import scope_for

PAGE_SIZE = 50
ROW_FIELDS = ("agency_id", "officer_id", "date", "category", "minutes", "students_reached")
ANOTHER = "another"  # the name of the "Save and log another" button
FIRST_YEAR, LAST_YEAR = 2000, 2100  # dates outside read as a mistake (and keep date math safe)


def duration(minutes: int) -> str:
    """95 -> "1 h 35 min"; 45 -> "45 min"; 120 -> "2 h"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)s min") % {"minutes": rest}
    if not rest:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}


def _students(count: int) -> str:
    """The students an entry reached, as "1 student" or "12 students" (the week's template
    said it with {% blocktranslate count %}: the same strings, at a tenth of the cost)."""
    return ngettext("%(counter)s student", "%(counter)s students", count) % {"counter": count}


@functools.cache
def _category_labels(language: str | None) -> dict[str, tuple[str, str]]:
    """{category: (its label, its SRO role's label)} in `language`, for the rows of a page: a
    lazy label is translated again each time a row shows it. Kept per language, as
    get_FOO_display keeps its labels (sro_portal/tenancy.py)."""
    with translation.override(language):
        return {
            category.value: (str(category.label), str(CATEGORY_ROLES[category].label))
            for category in ActivityCategory
        }


def _clock() -> Callable[[datetime], str]:
    """A moment as |time:"TIME_FORMAT" shows it (the current language and time zone), for the
    rows of a page: the language's format is looked up once."""
    time_format = formats.get_format("TIME_FORMAT")
    return lambda moment: dateformat.time_format(timezone.localtime(moment), time_format)


def _parse_day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def _form_error(form, error: ValidationError) -> None:
    """Show a service's refusal next to the fields it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _week_url(day: date) -> str:
    return f"{reverse('officers:activity_week')}?week={day.isoformat()}"


def _back_url(user, activity: Activity) -> str:
    """Where a change leads back to: the officer's week, or the agency's list."""
    if user.pk == activity.officer_id:
        return _week_url(activity.date)
    return reverse("officers:activity_list")


def _locked(request, activity: Activity):
    return render(
        request,
        "officers/activity_locked.html",
        {"activity": activity, "back_url": _back_url(request.user, activity)},
        status=403,
    )


def _summary(activity: Activity) -> dict:
    return {
        "what": activity.get_category_display(),
        "duration": duration(activity.minutes),
        "school": activity.school.name,
    }


# --- The SRO's week -----------------------------------------------------------------------------


@role_required(Role.SRO, Role.SUPERVISOR, Role.ADMIN)
def activity_week(request):
    """An SRO's week, Monday to Sunday. Supervisors and admins log nothing themselves (the service
    takes entries from SROs only): their view of the log is the agency's list."""
    user = request.user
    if user.role != Role.SRO:
        return redirect("officers:activity_list")
    today = user.agency.today()
    day = _parse_day(request.GET.get("week")) or today
    monday = day - timedelta(days=day.weekday())
    week = selectors.week_of(user, monday=monday)
    # Worked out once for the week, not once an entry: the URL pattern, the edit rule, the
    # labels, the time format; and each distinct length or number of students.
    edit_url, may_edit = pk_url("officers:activity_edit"), services.edit_rule(user)
    labels, clock = _category_labels(translation.get_language()), _clock()
    durations, students = functools.cache(duration), functools.cache(_students)
    days = []
    for each_day, entries, minutes in week["days"]:
        for entry in entries:
            entry["label"] = labels[entry["category"]][0]
            entry["duration"] = durations(entry["minutes"])
            reached = entry["students_reached"]
            entry["students"] = students(reached) if reached else ""
            entry["time_logged"] = clock(entry["created_at"])
            editable = may_edit(entry["agency_id"], entry["officer_id"], entry["date"])
            entry["edit_url"] = edit_url(entry["id"]) if editable else ""
        days.append(
            {
                "date": each_day,
                "iso": each_day.isoformat(),  # as |date:"Y-m-d"
                "heading": formats.date_format(each_day, "l j M"),
                "entries": entries,
                "minutes": minutes,
                "total": durations(minutes),
                "is_today": each_day == today,
                "is_future": each_day > today,
            }
        )
    yesterday = today - timedelta(days=1)
    yesterdays = selectors.activity_qs_for(user).filter(date=yesterday).order_by("-id")
    repeat = yesterdays.only("pk").first()  # the page links to it by its id
    next_monday = monday + timedelta(days=7)
    return render(
        request,
        "officers/activity_week.html",
        {
            "days": days,
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "previous_week": monday - timedelta(days=7),
            "next_week": next_monday if next_monday <= today else None,
            "is_this_week": monday <= today < next_monday,
            "total": duration(week["total_minutes"]),
            "total_minutes": week["total_minutes"],
            "students_reached": week["students_reached"],
            "repeat": repeat,
        },
    )


# --- Logging ------------------------------------------------------------------------------------


def _create_initial(request, user, today: date) -> tuple[dict, Activity | None]:
    """A new entry starts from the last one's school and category; `?repeat=<id>` copies one of
    the officer's own entries to today (404 for any other id); `?date`, `?school` and
    `?category` carry over from "Save and log another" and from a change of date."""
    repeat = request.GET.get("repeat")
    if repeat is not None:
        if not repeat.isdigit() or len(repeat) > 9:
            raise Http404
        source = selectors.activity_get(user=user, pk=int(repeat))
        return initial_from(source, date=today), source
    initial = {"date": today, "students_reached": 0}
    last = selectors.last_activity_of(user)
    if last is not None:
        initial.update(school=last.school_id, category=last.category)
    day = _parse_day(request.GET.get("date"))
    if day is not None and day <= today:
        initial["date"] = day
    for name in ("school", "category"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    return initial, None


@role_required(Role.SRO)
def activity_create(request):
    user = request.user
    today = user.agency.today()
    initial, repeated = _create_initial(request, user, today)
    form = ActivityForm(
        request.POST or None,
        actor=user,
        on=initial["date"],
        initial=initial,
        refresh_url=reverse("officers:activity_create"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_log(actor=user, **form.activity_fields())
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, _("Logged: %(what)s, %(duration)s at %(school)s.") % _summary(activity)
            )
            if ANOTHER in request.POST:
                again = {"school": activity.school_id, "category": activity.category}
                if activity.date != today:
                    again["date"] = activity.date.isoformat()
                return redirect(f"{reverse('officers:activity_create')}?{urlencode(again)}")
            return redirect(_week_url(activity.date))
    return render(
        request,
        "officers/activity_form.html",
        {
            "form": form,
            "title": _("Log an activity"),
            "repeated": repeated,
            "back_url": reverse("officers:activity_week"),
        },
    )


# --- The agency's list --------------------------------------------------------------------------


@role_required(Role.ADMIN, Role.SUPERVISOR, Role.SRO)
def activity_list(request):
    """Supervisors and admins: the agency's entries; an SRO: their own. Filtered, 50 a page, with
    the filtered set's time by SRO role. The number of queries does not grow with the rows."""
    user = request.user
    filters = ActivityFilterForm(_with_default_period(request.GET, user), actor=user)
    activities = filters.filter(selectors.activity_qs_for(user))
    by_role = _minutes_by_role(user, filters, activities)
    total_minutes = sum(by_role.values())
    roles = [
        {
            "label": role.label,
            "minutes": by_role.get(role, 0),
            "duration": duration(by_role.get(role, 0)),
            "share": round(100 * by_role.get(role, 0) / total_minutes) if total_minutes else 0,
        }
        for role in SRORole
    ]
    # The columns the rows show (and the edit rule reads): a User and a School are 29 columns.
    entries = activities.select_related("officer", "school").only(
        *ROW_FIELDS, "officer__full_name", "officer__email", "school__name"
    )
    page = keyset_page(entries, request.GET, keys=("-date", "-id"), per_page=PAGE_SIZE)
    # Worked out once a page, not once a row: the URL pattern, the edit rule, the labels; and
    # each distinct date, length and number (localized as the template would).
    edit_url, may_edit = pk_url("officers:activity_edit"), services.edit_rule(user)
    labels, durations = _category_labels(translation.get_language()), functools.cache(duration)
    short_dates = functools.cache(lambda day: formats.date_format(day, "SHORT_DATE_FORMAT"))
    numbers = functools.cache(formats.localize)
    rows = []  # the page's entries as the table shows them
    for entry in page.object_list:
        label, role_label = labels[entry.category]
        editable = may_edit(entry.agency_id, entry.officer_id, entry.date)
        rows.append(
            {
                "date": short_dates(entry.date),
                "officer": str(entry.officer),
                "school": entry.school.name,
                "label": label,
                "role_label": role_label,
                "duration": durations(entry.minutes),
                "students_reached": numbers(entry.students_reached),
                "edit_url": edit_url(entry.pk) if editable else "",
            }
        )
    return render(
        request,
        "officers/activity_list.html",
        {
            "filters": filters,
            "page": page,
            "rows": rows,
            "roles": roles,
            "total": duration(total_minutes),
            "total_minutes": total_minutes,
            "shows_officer": user.role != Role.SRO,
        },
    )


def _minutes_by_role(user, filters, activities) -> dict[str, int]:
    """The filtered entries' minutes by SRO role. The whole agency's over a period (the list as
    a supervisor first opens it: this school year) are the dashboard's: added up from its kept
    monthly figures (dashboards.rollups), not from 60,000 rows a year at a large agency."""
    period = _agency_period(user, getattr(filters, "cleaned_data", {}), activities)
    if period is None:
        # minutes_by_role groups by category: an explicit order_by would join the GROUP BY.
        return selectors.minutes_by_role(activities.order_by())
    # A user who sees the whole agency: scope_for gives the program's scope of the agency.
    scope = scope_for(user, start=period[0], end=period[1])
    return by_role(time_spent.minutes_by_category(scope))


def _agency_period(user, chosen: dict, activities) -> tuple[date, date] | None:
    """(first, last day) when the list shows the whole agency's entries from a start date, as
    long as a dashboard's longest period (a start typed as 1900 is not 1,500 months kept); with
    no end date, up to the last entry (entries dated ahead are a mistake the list still counts).
    None otherwise."""
    filtered = any(chosen.get(name) for name in ("officer", "school", "category"))
    start = chosen.get("start")
    if not user.sees_whole_agency or filtered or start is None:
        return None
    today = user.agency.today()
    last = chosen.get("end") or max(today, selectors.last_activity_day(activities) or today)
    return (start, last) if last <= years_after(start, MAX_YEARS) else None


def _with_default_period(params, user):
    """The filters asked for; with none, the current school year. Time by role over every
    year an agency has logged is a scan of all its rows (half a second at a million), and this
    year is what a supervisor looks at first; clearing "From" shows every year."""
    if any(name in params for name in ActivityFilterForm.base_fields):
        return params
    params = params.copy()
    params["start"] = user.agency.school_year_for(user.agency.today()).start.isoformat()
    return params


# --- Changes ------------------------------------------------------------------------------------


def activity_edit(request, pk):
    """The officer changes an entry for 7 days after its date, a supervisor at any time. The
    entry is found through the selector first: whoever may not see it (another agency, another
    officer, a school admin) gets a 404, as on every page about one object."""
    user = request.user
    activity = selectors.activity_get(user=user, pk=pk)
    if not services.can_edit(user, activity):
        return _locked(request, activity)
    back_url = _back_url(user, activity)
    form = ActivityForm(
        request.POST or None,
        actor=user,
        on=activity.date,
        activity=activity,
        initial=initial_from(activity),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(actor=user, activity=activity, **form.activity_fields())
        except PermissionDenied:
            return _locked(request, activity)
        except ValidationError as error:
            activity.refresh_from_db()  # the service set the refused values on it
            _form_error(form, error)
        else:
            messages.success(
                request, _("Saved: %(what)s, %(duration)s at %(school)s.") % _summary(activity)
            )
            return redirect(back_url)
    return render(
        request,
        "officers/activity_form.html",
        {
            "form": form,
            "activity": activity,
            "title": _("Change an entry"),
            "audited_change": user.pk != activity.officer_id,
            "back_url": back_url,
        },
    )


@require_POST
def activity_delete(request, pk):
    user = request.user
    activity = selectors.activity_get(user=user, pk=pk)
    if not services.can_edit(user, activity):
        return _locked(request, activity)
    back_url = _back_url(user, activity)
    summary = _summary(activity)
    services.activity_delete(actor=user, activity=activity)
    messages.success(request, _("Deleted: %(what)s, %(duration)s at %(school)s.") % summary)
    return redirect(back_url)
