"""The rows of the activity log's two pages, drawn in Python: `{% week_days days %}` (the
days of the officer's week and their entries, templates/officers/activity_week.html),
`{% activity_rows rows shows_officer %}` and `{% filter_fields filters %}` (the agency's list,
activity_list.html).

In the template an entry cost about 350 Python calls (each of its ten {{ }} and {% if %} looked
up through the context, rendered, localized and escaped in turn): for 50 entries, more than the
rest of the page's work together. Here an entry is one str.format. The views work out the values
(labels, lengths, dates as text); these tags escape every one of them and draw the HTML the
templates drew, to the whitespace (tests/officers/test_activity_rows.py compares them). The
words the templates wrote with {% translate %} are written as that tag writes them: unescaped
(Django trusts a translation as it trusts the template), or "Aujourd'hui" would differ.
"""

import functools
from html import escape

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

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


def _escaper():
    """html.escape, as the template's autoescape wrote each value (all of them str), each value
    once a page: the rows of a page repeat their labels, lengths, dates, schools and officers."""
    return functools.cache(escape)


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
