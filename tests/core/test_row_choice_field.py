"""RowChoiceField (sro_portal/core/forms.py): the same <select> and the same cleaned value as a
ModelChoiceField, from (value, label) rows instead of a model instance per option."""

import pytest
from django import forms
from django.db.models.signals import post_init

from schools.models import School
from sro_portal.accounts.models import Role, User
from sro_portal.core.forms import FormRenderer, RowChoiceField
from tests import factories

pytestmark = pytest.mark.django_db


def _forms(schools, people):
    class Rows(forms.Form):
        school = RowChoiceField(queryset=schools, required=False, empty_label="All")
        person = RowChoiceField(
            queryset=people, required=False, label_fields=("full_name", "email")
        )

    class Models(forms.Form):
        school = forms.ModelChoiceField(queryset=schools, required=False, empty_label="All")
        person = forms.ModelChoiceField(queryset=people, required=False)

    return Rows, Models


@pytest.fixture
def querysets(world_a):
    factories.SchoolFactory(board=world_a.school.board, name='Saint <Mary> & "Co"')
    factories.UserFactory(agency=world_a.agency, role=Role.SRO, full_name="", email="no@name.test")
    schools = School.objects.filter(agency=world_a.agency).order_by("name")
    people = User.objects.filter(agency=world_a.agency).order_by("full_name", "email")
    return schools, people


@pytest.mark.parametrize("data", [None, {"school": "", "person": ""}, "chosen", {"school": "x"}])
def test_the_select_is_the_model_choice_field_s(querysets, data):
    schools, people = querysets
    if data == "chosen":
        data = {"school": str(schools.last().pk), "person": str(people.first().pk)}
    rows, models = _forms(schools, people)
    for name in ("school", "person"):
        fast = rows(data, renderer=FormRenderer())[name]
        slow = models(data, renderer=FormRenderer())[name]
        assert str(fast) == str(slow)
    assert "Saint &lt;Mary&gt; &amp; &quot;Co&quot;" in str(rows(data)["school"])
    assert ">no@name.test</option>" in str(rows(data)["person"])  # no name: the email


def test_options_are_read_without_building_models(querysets, django_assert_num_queries):
    schools, people = querysets
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    post_init.connect(count, sender=School)
    try:
        with django_assert_num_queries(1):
            html = str(_forms(schools, people)[0]()["school"])
    finally:
        post_init.disconnect(count, sender=School)
    assert built == [] and html.count("<option") == schools.count() + 1


def test_cleaned_value_is_the_instance_and_other_rows_are_refused(querysets, world_b):
    schools, people = querysets
    rows = _forms(schools, people)[0]
    school = schools.first()
    form = rows({"school": str(school.pk)})
    assert form.is_valid() and form.cleaned_data["school"] == school
    outsider = rows({"school": str(world_b.school.pk)})
    assert not outsider.is_valid() and "school" in outsider.errors
