"""The form renderer draws <select> in Python: the HTML must be what Django's templates give."""

from unittest import mock

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from sro_portal.core.forms import FormRenderer, Select


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


LEAN_CHOICES = [
    (None, "None is the empty value"),
    (1, "One & only"),
    ("Group", [(2, "Two"), (3, "Three")]),
    (1, "One again: not selected, the first match only is"),
    ("4", "Four"),
    ("", [("<b>", "Bold & <i>")]),  # a group without a name: its options without <optgroup>
]


@pytest.mark.parametrize("value", [None, "", "1", 1, "3", "4", "nothing", ["2"], "<b>"])
def test_the_lean_select_gives_django_s_options(value):
    """Select.render() writes the options from the choices itself: the same HTML as Django's
    Select through either renderer (with FormRenderer, select_html() of Django's context)."""
    lean = Select(choices=LEAN_CHOICES)
    django_s = forms.Select(choices=LEAN_CHOICES)
    for renderer in (FormRenderer(), DjangoTemplates()):
        assert lean.render("x", value, renderer=renderer) == django_s.render(
            "x", value, renderer=renderer
        )
    # And against Django's own template, not only through select_html().
    templated = django_s.render("x", value, renderer=DjangoTemplates())
    assert lean.render("x", value, renderer=FormRenderer()) == _normalised(templated)


def test_labels_and_values_are_escaped():
    html = str(Choices(renderer=FormRenderer())["plain"])
    assert "Alpha &lt;b&gt;" in html and "Quote &quot;b&quot;" in html
    html = Select(choices=[("'", "<i>&</i>")]).render("x", "'", renderer=FormRenderer())
    assert '<option value="&#x27;" selected>&lt;i&gt;&amp;&lt;/i&gt;</option>' in html


class Inputs(forms.Form):
    text = forms.CharField()
    number = forms.IntegerField()
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    email = forms.EmailField()
    agree = forms.BooleanField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    upload = forms.FileField(required=False, widget=forms.FileInput)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"text": 'Alpha <b> "c" & d', "number": "12", "day": "2026-11-29", "agree": "on",
         "email": "a@b.test", "secret": "<x>", "hidden": "'q'"},
        {"text": "", "number": "abc", "day": "not a day"},
    ],
)  # fmt: skip
def test_inputs_render_as_django_s_templates_do(data):
    fast = Inputs(data, renderer=FormRenderer())
    slow = Inputs(data, renderer=DjangoTemplates())
    for name in fast.fields:
        attrs = {"class": "form-control", "required": True, "data-x": False, "aria-x": "<y>"}
        with mock.patch.object(DjangoTemplates, "render", side_effect=AssertionError("template")):
            fast_html = str(fast[name].as_widget(attrs=attrs))  # drawn in Python
        assert fast_html == str(slow[name].as_widget(attrs=attrs))
        assert fast_html.startswith("<input ")
