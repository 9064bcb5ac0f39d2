"""The list's rows drawn in Python (`{% presentation_list_rows %}`, list_rows_html in
presentations/templatetags/presentation_tags.py) against what the template's {% for %} loop drew
from Presentation instances before, in English and French, on the agency's clock, with
HTML-special characters in every text that comes from the database."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from presentations import selectors
from presentations.forms.talks import PresentationFilterForm
from presentations.models import Presentation, grades_label
from presentations.templatetags.presentation_tags import (
    list_rows_html,
    status_badge_html,
    when_html,
)
from sro_portal.accounts.models import Role
from sro_portal.core.dates import datetime_label
from sro_portal.core.templatetags.filter_fields import filter_fields
from tests.factories import PresentationFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

# The rows as templates/presentations/presentation_list.html drew them before.
TEMPLATE_ROWS = engines["django"].from_string(
    "{% for presentation in page %}\n"
    "    <tr>\n"
    '      <td><a href="{{ presentation.url }}">{{ presentation.topic_title }}</a></td>\n'
    "      <td>{{ presentation.school_name }}</td>\n"
    "      <td>{{ presentation.classes }}"
    '<div class="small text-body-secondary">{{ presentation.grades }}</div></td>\n'
    "      <td>{{ presentation.status_badge }}</td>\n"
    "      <td>{{ presentation.when }}</td>\n"
    '      <td class="small">{{ presentation.presenter_names|default:"—" }}</td>\n'
    "    </tr>\n"
    "  {% endfor %}"
)

TRICKY = "<b>\"Fish\" & 'chips'</b>"


def _as_the_template_drew(pks: list[int]) -> str:
    """The rows of `pks`, in that order, with the values the view used to set on each talk."""
    talks = Presentation.objects.select_related("school", "topic").in_bulk(pks)
    rows = []
    for pk in pks:
        talk = talks[pk]
        talk.url = reverse("presentations:detail", args=[pk])
        talk.topic_title = talk.topic.title
        talk.school_name = talk.school.name
        talk.grades = grades_label(talk.grade_from, talk.grade_to)
        talk.status_badge = status_badge_html(talk.status)
        talk.when = when_html(talk)
        presenters = talk.presenters.order_by("full_name", "email")
        talk.presenter_names = ", ".join(str(person) for person in presenters)
        rows.append(talk)
    return TEMPLATE_ROWS.render({"page": rows})


def _local(world, days: int, hour: int, minute: int = 0) -> datetime:
    day = world.agency.today() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=world.agency.tzinfo)


@pytest.fixture
def talks(world_a):
    """Requested, scheduled, delivered and cancelled talks; two presenters (one known by email
    only), noon and midnight, summer and winter time, a shared window and a shared school."""
    agency = world_a.agency
    world_a.other_school.name = f"Other {TRICKY}"
    world_a.other_school.save()
    topic = TopicFactory(agency=agency, title=f"Topic {TRICKY}", grade_from=7, grade_to=9)
    second = TopicFactory(agency=agency, title="Vaping", grade_from=0, grade_to=12)
    named = UserFactory(agency=agency, role=Role.SRO, full_name=f"Zoé {TRICKY}")
    unnamed = UserFactory(agency=agency, role=Role.SRO, full_name="", email="a&b@example.test")
    today = agency.today()
    window = {"preferred_from": today + timedelta(days=3), "preferred_to": today + timedelta(9)}
    rows = [
        {"topic": topic, "classes": f"8A {TRICKY}", "grade_from": 7, "grade_to": 9, **window},
        {"topic": second, "grade_from": 0, "grade_to": 0, **window},
        {"status": "scheduled", "scheduled_at": _local(world_a, 4, 12), "presenters": 2},
        {"status": "scheduled", "scheduled_at": _local(world_a, 5, 0, 30), "presenters": 1},
        {"status": "delivered", "scheduled_at": _local(world_a, -200, 9, 5), "presenters": 1},
        {"status": "delivered", "scheduled_at": _local(world_a, -20, 14, 45)},
        {"status": "cancelled", "scheduled_at": _local(world_a, -3, 23, 59)},
        {"status": "cancelled", "topic": topic, "grade_from": 9, "grade_to": 12},
    ]
    made = []
    for number, fields in enumerate(rows):
        presenters = fields.pop("presenters", 0)
        fields.setdefault("topic", second)
        school = world_a.other_school if number % 2 else world_a.school
        talk = PresentationFactory(school=school, **fields)
        for person in [named, unnamed][:presenters]:
            talk.presenters.add(person, through_defaults={"agency": agency})
        made.append(talk)
    return made


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_rows_are_what_the_template_drew(world_a, talks, language):
    with translation.override(language), timezone.override(world_a.agency.tzinfo):
        rows = list(selectors.presentation_list_for(world_a.supervisor))
        drawn = list_rows_html(rows)
        assert [row.id for row in rows] != []
        assert drawn == _as_the_template_drew([row.id for row in rows])
    assert len(rows) == len(talks)
    assert TRICKY not in drawn and "&lt;b&gt;&quot;Fish&quot; &amp; &#x27;chips&#x27;" in drawn
    # Presenters by name, as str(user) gives it: the one without a name by email, first.
    assert "a&amp;b@example.test, Zoé &lt;b&gt;" in drawn


def test_the_rows_of_no_talk_are_empty(world_a):
    assert list_rows_html(selectors.presentation_list_for(world_a.supervisor)) == ""


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_date_and_time_are_as_the_date_filter_writes_them(world_a, language):
    moments = [
        datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=31 * step, minutes=15 * step)
        for step in range(400)  # a year and a half: both sides of each clock change
    ]
    with translation.override(language), timezone.override(world_a.agency.tzinfo):
        label = datetime_label()
        expected = [
            date_format(timezone.localtime(moment), "DATETIME_FORMAT") for moment in moments
        ]
        assert [label(moment) for moment in moments] == expected


# The filter fields as templates/presentations/presentation_list.html drew them before.
FIELDS_TEMPLATE = engines["django"].from_string(
    "{% for field in form %}\n"
    '  <div class="col-sm-4 col-lg-3">\n'
    '    <label class="form-label" for="{{ field.id_for_label }}">{{ field.label }}</label>\n'
    "    {{ field }}\n"
    '    {% for error in field.errors %}<div class="invalid-feedback">{{ error }}</div>'
    "{% endfor %}\n"
    "  </div>\n"
    "  {% endfor %}"
)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_filter_fields_are_what_the_template_drew(world_a, language):
    world_a.school.name = f"School {TRICKY}"
    world_a.school.save()
    topic = TopicFactory(agency=world_a.agency, title=f"Topic {TRICKY}")
    for params in (
        None,  # unbound: no errors
        {"school": str(world_a.school.pk), "topic": str(topic.pk), "status": "scheduled"},
        {"school": "abc", "topic": "999999", "status": "<nope>"},  # errors under the fields
    ):
        with translation.override(language):
            form = PresentationFilterForm(params, actor=world_a.supervisor)
            form.is_valid()
            drawn = filter_fields(form, "col-sm-4 col-lg-3")
            assert drawn == FIELDS_TEMPLATE.render({"form": form})
            assert TRICKY not in drawn and "&lt;b&gt;&quot;Fish&quot;" in drawn
    assert "invalid-feedback" in drawn and "selected" not in drawn
