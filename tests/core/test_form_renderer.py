"""The form renderer draws <select> in Python: the HTML must be what Django's templates give."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from sro_portal.core.forms import FormRenderer


class Choices(forms.Form):
    plain = forms.ChoiceField(choices=[("", "All"), ("a", "Alpha <b>"), ("b", 'Quote "b"')])
    grouped = forms.ChoiceField(
        choices=[("Group & co", [("1", "One"), ("2", "Two")]), ("3", "Three")], required=False
    )
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y")], required=False)
    flag = forms.NullBooleanField(required=False)


def _normalised(html: str) -> str:
    return "".join(line.strip() for line in html.splitlines())


@pytest.mark.parametrize(
    "data",
    [None, {"plain": "a", "grouped": "2", "many": ["x", "y"], "flag": "true"}, {"plain": "zz"}],
)
def test_selects_render_as_django_s_templates_do(data):
    fast = Choices(data, renderer=FormRenderer())
    slow = Choices(data, renderer=DjangoTemplates())
    for name in fast.fields:
        field_fast, field_slow = fast[name], slow[name]
        attrs = {"class": "form-select", "disabled": True, "data-x": False}
        assert _normalised(str(field_fast.as_widget(attrs=attrs))) == _normalised(
            str(field_slow.as_widget(attrs=attrs))
        )


def test_labels_and_values_are_escaped():
    html = str(Choices(renderer=FormRenderer())["plain"])
    assert "Alpha &lt;b&gt;" in html and "Quote &quot;b&quot;" in html
