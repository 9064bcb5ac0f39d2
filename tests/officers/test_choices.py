"""ListedChoiceField (officers/forms/choices.py) against the RowChoiceField it replaced in the
activity list's filters: the same <select> and the same errors for any value asked, in English
and French, with HTML-special characters in the names; the chosen row's pk as cleaned value;
the options read in one query, which also checks the choice."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from officers.forms.activities import ActivityFilterForm
from officers.forms.choices import ListedChoiceField
from sro_portal.core.forms import RowChoiceField
from tests import factories

NASTY = """<b>O'Brien & "Sons"</b>"""


class RowFilterForm(ActivityFilterForm):
    """The list's filters as they were: a RowChoiceField fetches the chosen row to check it."""

    officer = RowChoiceField(
        label=ActivityFilterForm.base_fields["officer"].label,
        queryset=None,
        required=False,
        empty_label=ActivityFilterForm.base_fields["officer"].empty_label,
        label_fields=("full_name", "email"),
    )
    school = RowChoiceField(
        label=ActivityFilterForm.base_fields["school"].label,
        queryset=None,
        required=False,
        empty_label=ActivityFilterForm.base_fields["school"].empty_label,
    )


def _asked(world_a, world_b) -> list[str]:
    """Values a URL may carry: a school or an officer of the agency, another agency's, ids
    that read as numbers in odd ways, and ones that do not."""
    school, sro = world_a.school.pk, world_a.sro.pk
    return [
        "",
        str(school),
        f" {school} ",
        f"+{school}",
        str(sro),
        str(world_a.other_school.pk),  # the agency's, but not the SRO's school
        str(world_b.school.pk),
        str(world_b.sro.pk),
        "0",
        "-1",
        "99999999999999999999",
        "x",
        "1.5",
        "<b>",
        "1\x00",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_filters_draw_and_check_as_row_choice_fields_did(language, world_a, world_b):
    factories.SchoolFactory(agency=world_a.agency, board=world_a.school.board, name=NASTY)
    world_a.sro.full_name = NASTY
    world_a.sro.save()
    with translation.override(language):
        for actor in (world_a.supervisor, world_a.sro):
            for value in _asked(world_a, world_b):
                data = QueryDict(mutable=True)
                data.update({"school": value, "officer": value, "category": "counselling"})
                listed = ActivityFilterForm(data, actor=actor)
                rows = RowFilterForm(data, actor=actor)
                assert listed.is_valid() == rows.is_valid(), value
                assert listed.errors == rows.errors, value
                for name in listed.fields:
                    assert str(listed[name]) == str(rows[name]), (name, value)
                for name in ("school", "officer"):
                    if rows.cleaned_data.get(name) is not None:
                        assert listed.cleaned_data[name] == rows.cleaned_data[name].pk
                    else:
                        assert listed.cleaned_data.get(name) is None
            unbound = ActivityFilterForm(actor=actor)
            for name in unbound.fields:
                assert str(unbound[name]) == str(RowFilterForm(actor=actor)[name])


@pytest.mark.django_db
def test_a_choice_is_checked_among_the_options_read_once(world_a):
    data = QueryDict(f"school={world_a.school.pk}")
    form = ActivityFilterForm(data, actor=world_a.sro)
    with CaptureQueriesContext(connection) as queries:
        assert form.is_valid()
        str(form["school"])
        str(form["school"])
    assert len(queries) == 1  # the options, nothing for the chosen school
    assert form.cleaned_data["school"] == world_a.school.pk


@pytest.mark.django_db
def test_each_form_reads_its_own_options(world_a):
    assert isinstance(ActivityFilterForm.base_fields["school"], ListedChoiceField)
    first = ActivityFilterForm(QueryDict(""), actor=world_a.supervisor)
    str(first["school"])
    school = factories.SchoolFactory(agency=world_a.agency, board=world_a.school.board)
    second = ActivityFilterForm(QueryDict(f"school={school.pk}"), actor=world_a.supervisor)
    assert second.is_valid()
    assert f'value="{school.pk}" selected' in str(second["school"])
    assert f'value="{school.pk}"' not in str(first["school"])


@pytest.mark.django_db
def test_a_school_outside_the_sro_s_is_not_a_choice(world_a):
    """The options are the actor's schools: another school of the agency is refused for an SRO,
    accepted for a supervisor."""
    data = {"school": str(world_a.other_school.pk)}
    sro_form = ActivityFilterForm(data, actor=world_a.sro)
    assert not sro_form.is_valid() and "school" in sro_form.errors
    supervisor_form = ActivityFilterForm(data, actor=world_a.supervisor)
    assert supervisor_form.is_valid()
    assert supervisor_form.cleaned_data["school"] == world_a.other_school.pk
