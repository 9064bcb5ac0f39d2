"""The activity log's rows drawn in Python (officers/templatetags/activity_rows.py) against the
template loops they replaced, and the views' written times against the template's |time filter:
the same HTML to the byte, in English and French, with HTML-special characters in user text."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.utils import timezone, translation

from officers.forms.activities import ActivityFilterForm
from officers.templatetags.activity_rows import (
    activity_rows,
    filter_fields,
    list_head,
    time_by_role,
    week_days,
)
from officers.views.activities import _clock, _day_heading, _writer, duration
from tests import factories

# The loops of templates/officers/activity_week.html and activity_list.html as they were.
WEEK_LOOP = """{% load i18n %}\
{% translate "Logged at" as logged_at %}{% translate "Change" as change %}{% for day in days %}
<section class="card mb-2{% if day.is_today %} border-primary{% endif %}" \
aria-labelledby="day-{{ day.iso }}" data-testid="day-{{ day.iso }}">
  <div class="card-header d-flex justify-content-between align-items-center gap-2\
{% if not day.entries %} border-bottom-0{% endif %}">
    <h3 class="h6 mb-0" id="day-{{ day.iso }}">{{ day.heading }}{% if day.is_today %} \
<span class="badge text-bg-primary">{% translate "Today" %}</span>{% endif %}</h3>
    <span class="fw-semibold text-nowrap">{% if day.minutes %}<span class="visually-hidden">\
{% translate "Total:" %} </span>{{ day.total }}{% else %}\
<span class="text-body-secondary fw-normal">—</span>{% endif %}</span>
  </div>
  {% if day.entries %}
  <ul class="list-group list-group-flush">
    {% for entry in day.entries %}
    <li class="list-group-item d-flex justify-content-between align-items-start gap-2">
      <div>
        <div class="fw-semibold">{{ entry.label }}</div>
        <div class="small text-body-secondary">
          <span class="text-nowrap">{{ entry.duration }}</span>
          · {{ entry.school_name }}
          {% if entry.students %}· <span class="text-nowrap">{{ entry.students }}</span>{% endif %}
          · <span class="text-nowrap" title="{{ logged_at }}"><i class="bi bi-clock" \
aria-hidden="true"></i><span class="visually-hidden">{{ logged_at }}</span> \
{{ entry.time_logged }}</span>
        </div>
      </div>
      {% if entry.edit_url %}<a class="btn btn-sm btn-outline-secondary" \
href="{{ entry.edit_url }}">{{ change }}</a>{% endif %}
    </li>
    {% endfor %}
  </ul>
  {% endif %}
</section>
{% endfor %}"""

LIST_LOOP = """{% load i18n %}{% translate "Change" as change %}{% for entry in rows %}
    <tr>
      <td class="text-nowrap">{{ entry.date }}</td>
      {% if shows_officer %}<td>{{ entry.officer }}</td>{% endif %}
      <td>{{ entry.school }}</td>
      <td>{{ entry.label }}</td>
      <td class="small d-none d-md-table-cell">{{ entry.role_label }}</td>
      <td class="text-end text-nowrap">{{ entry.duration }}</td>
      <td class="text-end">{{ entry.students_reached }}</td>
      <td class="text-end">{% if entry.edit_url %}<a class="btn btn-sm btn-outline-secondary" \
href="{{ entry.edit_url }}">{{ change }}</a>{% endif %}</td>
    </tr>
  {% endfor %}"""

LIST_HEAD = """{% load i18n %}<thead><tr>
    <th scope="col">{% translate "Date" %}</th>
    {% if shows_officer %}<th scope="col">{% translate "Officer" %}</th>{% endif %}
    <th scope="col">{% translate "School" %}</th>
    <th scope="col">{% translate "Activity" %}</th>
    <th scope="col" class="d-none d-md-table-cell">{% translate "Role" %}</th>
    <th scope="col" class="text-end">{% translate "Time" context "time spent" %}</th>
    <th scope="col" class="text-end">{% translate "Students" %}</th>
    <th scope="col"><span class="visually-hidden">{% translate "Actions" %}</span></th>
  </tr></thead>"""

ROLES_SECTION = """{% load i18n %}<section class="mb-3" aria-labelledby="time-by-role">
  <h2 class="h6" id="time-by-role">{% blocktranslate with total=total %}Time by SRO role: \
{{ total }} in all{% endblocktranslate %}</h2>
  <div class="row g-2">
    {% for role in roles %}
    <div class="col-sm-4"><div class="border rounded p-2 h-100">
      <div class="small text-body-secondary">{{ role.label }}</div>
      <div class="fw-semibold">{{ role.duration }}{% if total_minutes %} <span \
class="small text-body-secondary fw-normal">· {{ role.share }} %</span>{% endif %}</div>
    </div></div>
    {% endfor %}
  </div>
</section>"""

FILTERS_LOOP = """{% for field in filters %}
  <div class="col-6 col-md">
    <label class="form-label small mb-1" for="{{ field.id_for_label }}">{{ field.label }}</label>
    {{ field }}
    {% for error in field.errors %}<div class="small text-danger">{{ error }}</div>{% endfor %}
  </div>
  {% endfor %}"""

NASTY = """<b>O'Brien & "Sons"</b>"""


def _entries() -> list[dict]:
    return [
        {
            "label": "Counselling",
            "duration": "1 h 35 min",
            "school_name": NASTY,
            "students": "12 students",
            "time_logged": "4:05 p.m.",
            "edit_url": "/log/12/edit/",
        },
        {
            "label": f"Label {NASTY}",
            "duration": "45 min",
            "school_name": "Alpha High",
            "students": "",
            "time_logged": "09\xa0h\xa005",
            "edit_url": "",
        },
        {
            "label": "Counselling",
            "duration": "45 min",
            "school_name": NASTY,
            "students": f"1 {NASTY}",
            "time_logged": "noon",
            "edit_url": "/log/13/edit/?a=1&b=<2>",
        },
    ]


def _days() -> list[dict]:
    """A week: today with entries, a day with one, days without (one with time, which the
    view never makes, to see the total drawn all the same)."""
    days = []
    for n, entries in enumerate([_entries(), _entries()[1:2], [], []]):
        day = date(2026, 11, 23) + timedelta(days=n)
        days.append(
            {
                "iso": day.isoformat(),
                "heading": f"{NASTY} {n}",
                "entries": entries,
                "minutes": 0 if n == 2 else 95,
                "total": f"1 h 35 min {NASTY}",
                "is_today": n == 0,
            }
        )
    return days


def _rows() -> list[dict]:
    return [
        {
            "date": "11/27/2026",
            "officer": NASTY,
            "school": "Alpha High",
            "label": "Counselling",
            "role_label": "Mentor",
            "duration": "2 h",
            "students_reached": "1,234",
            "edit_url": "/log/12/edit/",
        },
        {
            "date": "2026-11-27",
            "officer": "Cst. Second",
            "school": NASTY,
            "label": f"Label {NASTY}",
            "role_label": NASTY,
            "duration": "45 min",
            "students_reached": "0",
            "edit_url": "",
        },
    ]


@pytest.mark.parametrize("language", ["en", "fr"])  # "Aujourd'hui": translations unescaped
def test_a_week_s_days_are_the_template_s(language):
    with translation.override(language):
        for days in (_days(), _days()[1:2], []):
            drawn = Template(WEEK_LOOP).render(Context({"days": days}))
            assert week_days(days) == drawn
        assert "&lt;b&gt;O&#x27;Brien &amp; &quot;Sons&quot;&lt;/b&gt;" in week_days(_days())
        assert "<b>" not in week_days(_days())


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("shows_officer", [True, False])
def test_the_list_s_rows_are_the_template_s(language, shows_officer):
    with translation.override(language):
        rows = _rows()
        drawn = Template(LIST_LOOP).render(Context({"rows": rows, "shows_officer": shows_officer}))
        assert activity_rows(rows, shows_officer) == drawn
        assert activity_rows([], shows_officer) == ""
    assert "<b>" not in drawn and "&lt;b&gt;" in drawn


@pytest.mark.parametrize("language", ["en", "fr"])  # "rôle d'ARS": translations unescaped
@pytest.mark.parametrize("shows_officer", [True, False])
def test_the_list_s_head_is_the_template_s(language, shows_officer):
    with translation.override(language):
        drawn = Template(LIST_HEAD).render(Context({"shows_officer": shows_officer}))
        assert list_head(shows_officer) == drawn
        assert list_head(shows_officer) is list_head(shows_officer)  # drawn once a language


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("total_minutes", [0, 135])
def test_the_list_s_time_by_role_is_the_template_s(language, total_minutes):
    roles = [
        {"label": NASTY, "duration": "2 h", "share": 89},
        {"label": "Educator", "duration": "<15 min>", "share": 11},
        {"label": "Mentor & counsellor", "duration": "0 min", "share": 0},
    ]
    context = {"roles": roles, "total": f"{NASTY} 2 h 15", "total_minutes": total_minutes}
    with translation.override(language):
        drawn = Template(ROLES_SECTION).render(Context(context))
        assert time_by_role(roles, context["total"], total_minutes) == drawn


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_clock_writes_every_minute_as_the_time_filter(language):
    edmonton = zoneinfo.ZoneInfo("America/Edmonton")
    time_filter = Template('{{ moment|time:"TIME_FORMAT" }}')
    # Every minute of a day, and the night the clocks go back (one local hour twice).
    start = datetime(2026, 3, 10, 6, tzinfo=UTC)
    moments = [start + timedelta(minutes=n) for n in range(24 * 60)]
    moments += [
        datetime(2026, 11, 1, 6, tzinfo=UTC) + timedelta(minutes=n) for n in range(0, 240, 7)
    ]
    with translation.override(language), timezone.override(edmonton):
        clock = _clock(_writer(language))
        for moment in moments:
            assert clock(moment) == time_filter.render(Context({"moment": moment}))


def test_written_values_are_kept_per_language():
    english, french = _writer("en"), _writer("fr")
    assert english(duration, 95) == "1 h 35 min"
    with translation.override("fr"):
        # Kept for English, written in English whatever the language of the moment.
        assert english(duration, 95) == "1 h 35 min"
        assert french(duration, 95) == duration(95)
    heading = Template('{{ day|date:"l j M" }}')
    for language in ("en", "fr"):
        with translation.override(language):
            day = date(2026, 11, 30)
            assert _writer(language)(_day_heading, day) == heading.render(Context({"day": day}))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_list_s_filters_are_the_template_s(language, world_a):
    factories.SchoolFactory(agency=world_a.agency, board=world_a.school.board, name=NASTY)
    # Bad values: their errors are drawn too; a supervisor has the officer filter, an SRO not.
    params = QueryDict("officer=x&start=soon&end=2026-02-30&category=<b>")
    with translation.override(language):
        for actor in (world_a.supervisor, world_a.sro):
            for data in (params, QueryDict("")):
                form = ActivityFilterForm(data, actor=actor)
                form.is_valid()
                drawn = Template(FILTERS_LOOP).render(Context({"filters": form}))
                assert filter_fields(form) == drawn
            assert 'class="small text-danger"' in filter_fields(
                ActivityFilterForm(params, actor=actor)
            )
