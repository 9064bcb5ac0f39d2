"""The police incident list's rows and filter fields are drawn in Python
(incidents/templatetags/incident_list.py): the HTML must be what the template loops they replaced
wrote, in English and French, with HTML-special characters in the values; and the people of each
incident are counted by role in one query (selectors.people_counts)."""

from collections import namedtuple
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from incidents import selectors
from incidents.forms.police import IncidentFilterForm
from incidents.models import Category, Incident, Involvement, InvolvementRole, Location, Severity
from incidents.templatetags.incident_list import escape, incident_rows
from incidents.views.police import ROW_FIELDS
from sro_portal.core.dates import datetime_label
from sro_portal.core.templatetags.filter_fields import filter_fields
from tests.factories import StudentFactory

Row = namedtuple("Row", ROW_FIELDS)
TZ = ZoneInfo("America/Edmonton")
LANGUAGES = ["en", "fr"]

# The loop of templates/incidents/police_list.html before the rows were drawn in Python, written
# with Django's own lookups, filters and tags.
ROWS_TEMPLATE = """{% load incident_badges %}{% for incident in incidents %}
    <tr>
      <td><a href="{% url 'incidents:detail' incident.pk %}">{{ incident.occurred_at|date:"DATETIME_FORMAT" }}</a></td>
      <td>{{ incident.get_category_display }}{% if incident.severity == "high" %} <span class="badge text-bg-danger">{{ incident.get_severity_display }}</span>{% endif %}</td>
      <td>{{ incident.school_name }}</td>
      <td>{{ incident.get_location_display }}</td>
      <td class="small">{{ incident.people_label }}</td>
      <td>{% status_badge incident %}</td>
    </tr>
  {% endfor %}"""  # noqa: E501

FIELDS_TEMPLATE = """{% for field in form %}
  <div class="{% if forloop.first %}col-sm-6 col-lg-3{% elif forloop.counter == 2 %}col-sm-6 col-lg-2{% else %}col-sm-4 col-lg-2{% endif %}">
    <label class="form-label" for="{{ field.id_for_label }}">{{ field.label }}</label>
    {{ field }}
    {% for error in field.errors %}<div class="invalid-feedback">{{ error }}</div>{% endfor %}
  </div>
  {% endfor %}"""  # noqa: E501

MOMENTS = [
    datetime(2025, 9, 14, 0, 0, tzinfo=TZ),  # midnight
    datetime(2025, 9, 14, 12, 0, tzinfo=TZ),  # noon
    datetime(2025, 9, 14, 0, 30, tzinfo=TZ),
    datetime(2025, 9, 14, 23, 59, tzinfo=TZ),
    datetime(2025, 9, 13, 15, 0, tzinfo=TZ),  # on the hour
    datetime(2025, 3, 9, 3, 15, tzinfo=TZ),  # the morning the clocks go forward
    datetime(2025, 11, 2, 1, 30, tzinfo=TZ, fold=1),  # the hour they go back
    datetime(2024, 7, 31, 17, 45, tzinfo=ZoneInfo("UTC")),  # stored in UTC, shown on TZ
    # Every month's name and abbreviation ("Sept.", "May", "juin"...).
    *(datetime(2026, month, 2, 8, 5, tzinfo=TZ) for month in range(1, 13)),
]
SCHOOLS = ["Alpha High", 'O\'Brien & <Sons> "Junior" High', "École Sainte-Thérèse"]


def _rows() -> list[Row]:
    categories, locations = list(Category), list(Location)
    statuses, severities = list(Incident.Status), list(Severity)
    return [
        Row(
            id=1000 + index,
            agency_id=1,
            occurred_at=moment,
            category=categories[index % len(categories)],
            severity=severities[index % len(severities)],
            location=locations[index % len(locations)],
            status=statuses[index % len(statuses)],
            school_name=SCHOOLS[index % len(SCHOOLS)],
        )
        for index, moment in enumerate(MOMENTS)
    ]


def _people(rows) -> dict[int, tuple[int, int, int]]:
    return {row.id: (index % 3, index % 2, index % 4) for index, row in enumerate(rows)}


def _as_template_drew(rows, people) -> str:
    incidents = []
    label = _("%(subjects)s subj. · %(victims)s vict. · %(witnesses)s witn.")
    for row in rows:
        values = row._asdict()
        school_name = values.pop("school_name")
        incident = Incident(**values)
        incident.school_name = school_name
        subjects, victims, witnesses = people[row.id]
        incident.people_label = label % {
            "subjects": subjects,
            "victims": victims,
            "witnesses": witnesses,
        }
        incidents.append(incident)
    return engines["django"].from_string(ROWS_TEMPLATE).render({"incidents": incidents})


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_rows_are_what_the_template_drew(language):
    rows = _rows()
    people = _people(rows)
    with translation.override(language), timezone.override(TZ):
        drawn = incident_rows(rows, people)
        assert drawn == _as_template_drew(rows, people)
    assert "O&#x27;Brien &amp; &lt;Sons&gt; &quot;Junior&quot; High" in drawn
    assert "<Sons>" not in drawn


@pytest.mark.parametrize("language", [*LANGUAGES, "de"])  # German: no "date, time" format
def test_the_moments_are_written_as_the_date_filter_writes_them(language):
    date_filter = engines["django"].from_string('{{ moment|date:"DATETIME_FORMAT" }}')
    with translation.override(language), timezone.override(TZ):
        label = datetime_label()
        for moment in MOMENTS:
            assert label(moment) == date_filter.render({"moment": moment})


def test_escape_is_django_s():
    from django.utils.html import escape as django_escape

    text = '<a href="x">Tom & Jerry\'s</a> é'
    assert escape(text) == django_escape(text)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_filter_fields_are_what_the_template_drew(world_a, language):
    world_a.school.name = "Smith & <Wesson> 'High'"
    world_a.school.save()
    for params in (
        None,  # unbound: no errors
        {"school": str(world_a.school.pk), "status": "closed"},
        # Values that do not parse, and an end before the start: errors under the fields.
        {"school": "abc", "category": "<nope>", "date_from": "2026-05-02", "date_to": "2026-05-01"},
    ):
        with translation.override(language):
            form = IncidentFilterForm(params, actor=world_a.supervisor)
            form.is_valid()
            expected = engines["django"].from_string(FIELDS_TEMPLATE).render({"form": form})
            columns = ("col-sm-6 col-lg-3", "col-sm-6 col-lg-2", "col-sm-4 col-lg-2")
            assert filter_fields(form, *columns) == expected
    assert "invalid-feedback" in expected


@pytest.mark.django_db
def test_people_are_counted_by_role_for_the_given_incidents_of_the_agency(world_a, world_b):
    def incident(world):
        return Incident.objects.create(
            agency=world.agency,
            school=world.school,
            recorded_by=world.supervisor,
            occurred_at=timezone.now(),
            location=Location.HALLWAY,
            category=Category.ASSAULT,
            school_summary="x",
        )

    def involve(incident, role, n=1):
        for _index in range(n):
            Involvement.objects.create(
                agency=incident.agency,
                incident=incident,
                role=role,
                student=StudentFactory(school=incident.school),
            )

    busy, quiet, abroad = incident(world_a), incident(world_a), incident(world_b)
    involve(busy, InvolvementRole.SUBJECT, 2)
    involve(busy, InvolvementRole.VICTIM)
    involve(busy, InvolvementRole.WITNESS, 3)
    involve(busy, InvolvementRole.REPORTER)  # not counted
    involve(abroad, InvolvementRole.SUBJECT)

    with CaptureQueriesContext(connection) as queries:
        counts = selectors.people_counts(world_a.supervisor, [busy.pk, quiet.pk, abroad.pk])
    assert len(queries) == 1
    # Another agency's incident counts nobody, even named.
    assert counts == {busy.pk: (2, 1, 3), quiet.pk: (0, 0, 0), abroad.pk: (0, 0, 0)}
    assert selectors.people_counts(world_a.supervisor, []) == {}
