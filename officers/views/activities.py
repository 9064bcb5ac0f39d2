"""The activity log: the SRO's record of their day, fast enough to fill on a phone between
classes (create, and their week), the agency's list for supervisors and admins, and changes
within the rules of officers/services.py (`can_edit`: 7 days for the officer, any time for a
supervisor, the audit trail recording each change)."""

import functools
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any
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


@functools.lru_cache(maxsize=20_000)
def _written(language: str | None, write: Callable[[Any], str], value) -> str:
    """write(value) in `language`, kept from page to page: the pages write the same lengths,
    numbers of students, minutes of the day and dates again and again (formatting one costs
    more than the rest of its row). Only for a `write` that reads its value and the language
    alone (not the time zone, not the user)."""
    with translation.override(language):
        return write(value)


def _writer(language: str | None) -> Callable[[Callable[[Any], str], Any], str]:
    """write(function, value) -> function(value) in `language`, as _written keeps it."""
    return functools.partial(_written, language)


@functools.cache
def _role_labels(language: str | None) -> dict[str, str]:
    """{SRO role: its label} in `language` (as _category_labels)."""
    with translation.override(language):
        return {role.value: str(role.label) for role in SRORole}


# The format characters that read a time's hour and minute only (TIME_FORMAT is "P" in English,
# "H\xa0\\h\xa0i" in French): a time written with these alone is the same all that minute.
HOUR_AND_MINUTE = frozenset("aAfgGhHiP")


def _time_of_day(hour_and_minute: tuple[int, int]) -> str:
    return dateformat.time_format(time(*hour_and_minute), formats.get_format("TIME_FORMAT"))


def _clock(write) -> Callable[[datetime], str]:
    """A moment as |time:"TIME_FORMAT" shows it (the current language and time zone), for the
    rows of a page: `write` (a _writer) keeps each minute of the day once written."""
    time_format = formats.get_format("TIME_FORMAT")
    zone = timezone.get_current_timezone()
    if not set(dateformat.re_formatchars.findall(time_format)) <= HOUR_AND_MINUTE:
        return lambda moment: dateformat.time_format(moment.astimezone(zone), time_format)

    def clock(moment: datetime) -> str:
        local = moment.astimezone(zone)
        return write(_time_of_day, (local.hour, local.minute))

    return clock


def _day_heading(day: date) -> str:
    return formats.date_format(day, "l j M")


def _week_span(monday: date) -> str:
    """The week's first and last days, as the template wrote them (|date:"j M" and "j M Y")."""
    first = formats.date_format(monday, "j M")
    last = formats.date_format(monday + timedelta(days=6), "j M Y")
    return f"{first} – {last}"  # noqa: RUF001 (an en dash between the days)


def _short_date(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


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
    yesterday = today - timedelta(days=1)  # the page offers to repeat its last entry
    week = selectors.week_of(user, monday=monday, yesterday=yesterday)
    # Worked out once for the week, not once an entry: the URL pattern, the edit rule, the
    # labels, the time format; lengths, numbers of students, times and dates once written.
    edit_url, may_edit = pk_url("officers:activity_edit"), services.edit_rule(user)
    language = translation.get_language()
    labels, write = _category_labels(language), _writer(language)
    clock = _clock(write)
    days = []
    for each_day, entries, minutes in week["days"]:
        for entry in entries:
            entry["label"] = labels[entry["category"]][0]
            entry["duration"] = write(duration, entry["minutes"])
            reached = entry["students_reached"]
            entry["students"] = write(_students, reached) if reached else ""
            entry["time_logged"] = clock(entry["created_at"])
            editable = may_edit(entry["agency_id"], entry["officer_id"], entry["date"])
            entry["edit_url"] = edit_url(entry["id"]) if editable else ""
        days.append(
            {
                "date": each_day,
                "iso": each_day.isoformat(),  # as |date:"Y-m-d"
                "heading": write(_day_heading, each_day),
                "entries": entries,
                "minutes": minutes,
                "total": write(duration, minutes),
                "is_today": each_day == today,
                "is_future": each_day > today,
            }
        )
    next_monday = monday + timedelta(days=7)
    return render(
        request,
        "officers/activity_week.html",
        {
            "days": days,
            "monday": monday,
            "sunday": monday + timedelta(days=6),
            "week_span": write(_week_span, monday),
            "previous_week": monday - timedelta(days=7),
            "next_week": next_monday if next_monday <= today else None,
            "is_this_week": monday <= today < next_monday,
            "total": write(duration, week["total_minutes"]),
            "total_minutes": week["total_minutes"],
            "students_reached": week["students_reached"],
            "repeat": week["yesterdays_last"],  # an id
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
    # Named tuples of what the rows show: a model instance a row (and a User and a School for
    # their names) cost more than the query.
    entries = selectors.activity_list_rows(activities)
    page = keyset_page(entries, request.GET, keys=("-date", "-id"), per_page=PAGE_SIZE)
    # Worked out once a page, not once a row: the URL pattern, the edit rule, the labels; dates,
    # lengths and numbers once written (localized as the template would).
    edit_url, may_edit = pk_url("officers:activity_edit"), services.edit_rule(user)
    language = translation.get_language()
    labels, write = _category_labels(language), _writer(language)
    by_role = _minutes_by_role(user, filters, activities, page)
    total_minutes = sum(by_role.values())
    roles = [
        {
            "label": _role_labels(language)[role],
            "minutes": by_role.get(role, 0),
            "duration": write(duration, by_role.get(role, 0)),
            "share": round(100 * by_role.get(role, 0) / total_minutes) if total_minutes else 0,
        }
        for role in SRORole
    ]
    rows = []  # the page's entries as the table shows them
    for entry in page.object_list:
        label, role_label = labels[entry.category]
        editable = may_edit(entry.agency_id, entry.officer_id, entry.date)
        rows.append(
            {
                "date": write(_short_date, entry.date),
                "officer": entry.officer_name,
                "school": entry.school_name,
                "label": label,
                "role_label": role_label,
                "duration": write(duration, entry.minutes),
                "students_reached": write(formats.localize, entry.students_reached),
                "edit_url": edit_url(entry.id) if editable else "",
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
            "total": write(duration, total_minutes),
            "total_minutes": total_minutes,
            "shows_officer": user.role != Role.SRO,
        },
    )


def _minutes_by_role(user, filters, activities, page) -> dict[str, int]:
    """The filtered entries' minutes by SRO role (`page`: their page shown). The whole agency's
    over a period (the list as a supervisor first opens it: this school year) are the
    dashboard's: added up from its kept monthly figures (dashboards.rollups), not from 60,000
    rows a year at a large agency."""
    chosen = getattr(filters, "cleaned_data", {})
    period = _agency_period(user, chosen, lambda: _last_day(page, activities))
    # Not added up from the page when it holds every entry: a small agency's list would then ask
    # one query fewer than a large one's (the query count stays the same whatever the data).
    if period is None:
        # minutes_by_role groups by category: an explicit order_by would join the GROUP BY.
        return selectors.minutes_by_role(activities.order_by())
    # A user who sees the whole agency: scope_for gives the program's scope of the agency.
    scope = scope_for(user, start=period[0], end=period[1])
    return by_role(time_spent.minutes_by_category(scope))


def _agency_period(user, chosen: dict, last_day) -> tuple[date, date] | None:
    """(first, last day) when the list shows the whole agency's entries from a start date, as
    long as a dashboard's longest period (a start typed as 1900 is not 1,500 months kept); with
    no end date, up to the last entry (`last_day()`; entries dated ahead are a mistake the list
    still counts). None otherwise."""
    filtered = any(chosen.get(name) for name in ("officer", "school", "category"))
    start = chosen.get("start")
    if not user.sees_whole_agency or filtered or start is None:
        return None
    today = user.agency.today()
    last = chosen.get("end") or max(today, last_day() or today)
    return (start, last) if last <= years_after(start, MAX_YEARS) else None


def _last_day(page, activities) -> date | None:
    """The latest date of `activities`: on their first page (nothing newer), its first row's
    (one query fewer on the page most opened); else read from the database."""
    if page.is_first:
        return page.object_list[0].date if page.object_list else None
    return selectors.last_activity_day(activities)


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
