"""The rows of the activity log's two pages, drawn in Python: `{% week_days days %}` (the
days of the officer's week and their entries, templates/officers/activity_week.html),
`{% activity_rows rows shows_officer %}`, `{% list_head shows_officer %}`,
`{% time_by_role roles total total_minutes %}` and `{% filter_fields filters %}` (the agency's
list, activity_list.html).

In the template an entry cost about 350 Python calls (each of its ten {{ }} and {% if %} looked
up through the context, rendered, localized and escaped in turn): for 50 entries, more than the
rest of the page's work together. Here an entry is one str.format. The views work out the values
(labels, lengths, dates as text); these tags escape every one of them and draw the HTML the
templates drew, to the whitespace (tests/officers/test_activity_rows.py compares them). The
words the templates wrote with {% translate %} are written as that tag writes them: unescaped
(Django trusts a translation as it trusts the template), or "Aujourd'hui" would differ.
"""

import functools
import re
from html import escape

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, override, pgettext

register = template.Library()

SPECIAL = re.compile(r"[&<>\"']")  # what html.escape(quote=True) replaces

# A day of the week, as the template's {% for day in days %} drew it: its heading and total,
# then its entries (ENTRIES_HTML), if any.
DAY_HTML = """
<section class="card mb-2{today_border}" aria-labelledby="day-{iso}" data-testid="day-{iso}">
  <div class="card-header d-flex justify-content-between align-items-center gap-2{no_entries}">
    <h3 class="h6 mb-0" id="day-{iso}">{heading}{today_badge}</h3>
    <span class="fw-semibold text-nowrap">{total}</span>
  </div>
  {entries}
</section>
"""
TODAY_HTML = ' <span class="badge text-bg-primary">{}</span>'
TOTAL_HTML = '<span class="visually-hidden">{label} </span>{total}'
NO_TIME_HTML = '<span class="text-body-secondary fw-normal">—</span>'
ENTRIES_HTML = """
  <ul class="list-group list-group-flush">
    {}
  </ul>
  """
# One entry of a day.
ENTRY_HTML = """
    <li class="list-group-item d-flex justify-content-between align-items-start gap-2">
      <div>
        <div class="fw-semibold">{label}</div>
        <div class="small text-body-secondary">
          <span class="text-nowrap">{duration}</span>
          · {school}
          {students}
          · <span class="text-nowrap" title="{logged_at}"><i class="bi bi-clock" \
aria-hidden="true"></i><span class="visually-hidden">{logged_at}</span> {time}</span>
        </div>
      </div>
      {change}
    </li>
    """
STUDENTS_HTML = '· <span class="text-nowrap">{}</span>'
CHANGE_HTML = '<a class="btn btn-sm btn-outline-secondary" href="{url}">{change}</a>'

# One row of the agency's list, as the template's {% for entry in rows %} drew it.
ROW_HTML = """
    <tr>
      <td class="text-nowrap">{date}</td>
      {officer}
      <td>{school}</td>
      <td>{label}</td>
      <td class="small d-none d-md-table-cell">{role_label}</td>
      <td class="text-end text-nowrap">{duration}</td>
      <td class="text-end">{students}</td>
      <td class="text-end">{change}</td>
    </tr>
  """
OFFICER_HTML = "<td>{}</td>"

# The list's head, as the template's <thead> drew it (with the officer's column or not).
HEAD_HTML = """<thead><tr>
    <th scope="col">{date}</th>
    {officer}
    <th scope="col">{school}</th>
    <th scope="col">{activity}</th>
    <th scope="col" class="d-none d-md-table-cell">{role}</th>
    <th scope="col" class="text-end">{time}</th>
    <th scope="col" class="text-end">{students}</th>
    <th scope="col"><span class="visually-hidden">{actions}</span></th>
  </tr></thead>"""
HEAD_OFFICER_HTML = '<th scope="col">{}</th>'

# The list's time by SRO role, as the template's <section> and {% for role in roles %} drew it.
ROLES_HTML = """<section class="mb-3" aria-labelledby="time-by-role">
  <h2 class="h6" id="time-by-role">{heading}</h2>
  <div class="row g-2">
    {roles}
  </div>
</section>"""
ROLE_HTML = """
    <div class="col-sm-4"><div class="border rounded p-2 h-100">
      <div class="small text-body-secondary">{label}</div>
      <div class="fw-semibold">{duration}{share}</div>
    </div></div>
    """
SHARE_HTML = ' <span class="small text-body-secondary fw-normal">· {} %</span>'

# One filter of the agency's list, as the template's {% for field in filters %} drew it.
FILTER_HTML = """
  <div class="col-6 col-md">
    <label class="form-label small mb-1" for="{id}">{label}</label>
    {widget}
    {errors}
  </div>
  """
ERROR_HTML = '<div class="small text-danger">{}</div>'


@register.simple_tag
def week_days(days: list[dict]) -> SafeString:
    """The days of a week (activity_week's dicts: iso, heading, is_today, minutes, total, and
    their entries)."""
    escaped = _escaper()
    today, total = gettext("Today"), gettext("Total:")  # as {% translate %} wrote them
    entry_html = _entry_drawer(escaped)
    return SafeString(  # every value below is escaped, or HTML drawn here
        "".join(
            DAY_HTML.format(
                today_border=" border-primary" if day["is_today"] else "",
                iso=escaped(day["iso"]),
                no_entries="" if day["entries"] else " border-bottom-0",
                heading=escaped(day["heading"]),
                today_badge=TODAY_HTML.format(today) if day["is_today"] else "",
                total=TOTAL_HTML.format(label=total, total=escaped(day["total"]))
                if day["minutes"]
                else NO_TIME_HTML,
                entries=ENTRIES_HTML.format("".join(map(entry_html, day["entries"])))
                if day["entries"]
                else "",
            )
            for day in days
        )
    )


def _entry_drawer(escaped):
    """A function drawing an entry of a day (a dict: label, duration, school_name, students,
    time_logged, edit_url; students and edit_url "" when there is none to show)."""
    logged_at, change = gettext("Logged at"), gettext("Change")  # as {% translate %} wrote them

    def entry_html(entry: dict) -> str:
        return ENTRY_HTML.format(
            label=escaped(entry["label"]),
            duration=escaped(entry["duration"]),
            school=escaped(entry["school_name"]),
            students=STUDENTS_HTML.format(escaped(entry["students"])) if entry["students"] else "",
            logged_at=logged_at,
            time=escaped(entry["time_logged"]),
            change=CHANGE_HTML.format(url=escaped(entry["edit_url"]), change=change)
            if entry["edit_url"]
            else "",
        )

    return entry_html


@register.simple_tag
def activity_rows(rows: list[dict], shows_officer: bool) -> SafeString:
    """The list's rows (activity_list's dicts: date, officer, school, label, role_label,
    duration, students_reached, edit_url; edit_url "" for a row the user may not change), with
    the officer's column for a supervisor or an admin."""
    escaped = _escaper()
    change = gettext("Change")  # as {% translate %} wrote it
    return SafeString(  # every value below is escaped
        "".join(
            ROW_HTML.format(
                date=escaped(row["date"]),
                officer=OFFICER_HTML.format(escaped(row["officer"])) if shows_officer else "",
                school=escaped(row["school"]),
                label=escaped(row["label"]),
                role_label=escaped(row["role_label"]),
                duration=escaped(row["duration"]),
                students=escaped(row["students_reached"]),
                change=CHANGE_HTML.format(url=escaped(row["edit_url"]), change=change)
                if row["edit_url"]
                else "",
            )
            for row in rows
        )
    )


@register.simple_tag
def list_head(shows_officer: bool) -> SafeString:
    """The list's <thead>, its column names in the current language."""
    return _list_head(get_language(), shows_officer)


@functools.lru_cache(maxsize=64)
def _list_head(language: str | None, shows_officer: bool) -> SafeString:
    # The words as {% translate %} wrote them: a translation is trusted, not escaped.
    with override(language):
        return SafeString(
            HEAD_HTML.format(
                date=gettext("Date"),
                officer=HEAD_OFFICER_HTML.format(gettext("Officer")) if shows_officer else "",
                school=gettext("School"),
                activity=gettext("Activity"),
                role=gettext("Role"),
                time=pgettext("time spent", "Time"),
                students=gettext("Students"),
                actions=gettext("Actions"),
            )
        )


@register.simple_tag
def time_by_role(roles: list[dict], total: str, total_minutes: int) -> SafeString:
    """The list's time by SRO role (activity_list's dicts: label, duration, share; `total`
    written, `total_minutes` 0 when there is none: no shares then)."""
    heading = gettext("Time by SRO role: %(total)s in all") % {"total": escape(total)}
    return SafeString(  # every value below is escaped, or a translation (trusted)
        ROLES_HTML.format(
            heading=heading,
            roles="".join(
                ROLE_HTML.format(
                    label=escape(role["label"]),
                    duration=escape(role["duration"]),
                    share=SHARE_HTML.format(role["share"]) if total_minutes else "",
                )
                for role in roles
            ),
        )
    )


def _escaper():
    """html.escape, as the template's autoescape wrote each value (all of them str), each value
    once a page: the rows of a page repeat their labels, lengths, dates, schools and officers."""
    return functools.cache(_escaped)


def _escaped(value: str) -> str:
    """html.escape(value), without its five replaces when there is nothing to escape (most
    values: a row's change URL, its date, names)."""
    return escape(value) if SPECIAL.search(value) else value


@register.simple_tag
def filter_fields(form) -> SafeString:
    """The list's filters: each field's label, widget and errors (the widget drawn by the form's
    renderer, as {{ field }} drew it)."""
    return SafeString(  # every value below is escaped, or HTML the form drew
        "".join(
            FILTER_HTML.format(
                id=escape(str(field.id_for_label)),
                label=escape(str(field.label)),
                widget=conditional_escape(field),
                errors="".join(ERROR_HTML.format(escape(str(error))) for error in field.errors),
            )
            for field in form
        )
    )
