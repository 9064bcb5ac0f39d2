"""The form renderer: Django's, with <select> and <input> drawn in Python; and a model choice
field whose options are read as rows, without a model instance each.

Django renders each <option> through a template include: about 0.1 ms an option, so the
300-school filter of a large agency's list pages cost tens of milliseconds, more than the
page's SQL; and each <input> through three includes (about 0.25 ms). This renderer writes the
same HTML as django/forms/widgets/select.html and input.html directly
(tests/core/test_form_renderer.py compares them). It escapes with the standard library's
html.escape, as Django's escape does, but without its lazy-string wrappers, which were most of
the remaining cost. Every other widget keeps its template.

A ModelChoiceField builds a model instance for each option (every column of the row) only to
take its str(): the 300 schools of a list's filter cost more than the page's SQL. RowChoiceField
reads the value and the label's columns instead (tests/core/test_row_choice_field.py).
"""

import html
import re

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import SafeString

SELECT_TEMPLATE = "django/forms/widgets/select.html"
_SPECIAL = re.compile(r"[&<>\"']")  # what html.escape(quote=True) replaces
# Widgets whose template only includes django/forms/widgets/input.html.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in (
        "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number",
        "password", "search", "tel", "text", "time", "url",
    )
)  # fmt: skip


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            return select_html(context["widget"])
        if template_name in INPUT_TEMPLATES:
            return input_html(context["widget"])
        return super().render(template_name, context, request)


def input_html(widget: dict) -> SafeString:
    """As django/forms/widgets/input.html (three template includes: about 0.25 ms an input)."""
    value = widget["value"]
    value = "" if value is None else f" value={_quoted(value)}"
    return SafeString(
        f"<input type={_quoted(widget['type'])} name={_quoted(widget['name'])}{value}"
        f"{_attrs(widget['attrs'])}>"
    )


def select_html(widget: dict) -> SafeString:
    parts = [f"<select name={_quoted(widget['name'])}{_attrs(widget['attrs'])}>"]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f"<optgroup label={_quoted(group_name)}>")
        parts.extend(
            f"<option value={_quoted(option['value'])}"
            f"{_attrs(option['attrs']) if option['attrs'] else ''}>"  # most options have none
            f"{_escaped(option['label'])}</option>"
            for option in options
        )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return SafeString("".join(parts))  # every value above went through _escaped


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: True gives the bare name, False leaves it out."""
    return "".join(
        f" {_escaped(name)}" if value is True else f" {_escaped(name)}={_quoted(value)}"
        for name, value in attrs.items()
        if value is not False
    )


def _quoted(value) -> str:
    return f'"{_escaped(value)}"'


def _escaped(value) -> str:
    """As conditional_escape: already safe HTML (a SafeString) is kept, anything else escaped."""
    kind = type(value)
    if kind is str:  # most values and labels: checked first, a few hundred times a select
        # Most labels have nothing to escape: one search instead of escape()'s five replaces.
        return html.escape(value, quote=True) if _SPECIAL.search(value) else value
    if kind is int:  # ids: nothing to escape
        return str(value)
    if value is None:
        return ""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value), quote=True)


class Select(forms.Select):
    """Django's Select, drawn from its choices directly: with FormRenderer, render() writes what
    select_html() writes, without the context and the dictionary an option Django builds first
    (create_option() merges attribute dictionaries for each option: about twenty calls an
    option, and a 300-school filter cost more than the page's rows). Other renderers, multiple
    choice and option attributes take Django's way."""

    def render(self, name, value, attrs=None, renderer=None):
        if not (self._is_plain() and isinstance(renderer or get_default_renderer(), FormRenderer)):
            return super().render(name, value, attrs, renderer)
        # As ChoiceWidget.optgroups(): the first option whose value is chosen is selected.
        chosen, found = set(self.format_value(value)), False
        parts = [f"<select name={_quoted(name)}{_attrs(self.build_attrs(self.attrs, attrs))}>"]
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):  # a group: its options in an <optgroup>
                parts.append(f"<optgroup label={_quoted(option_value)}>" if option_value else "")
                for each_value, each_label in label:
                    selected = not found and str(each_value) in chosen
                    found |= selected
                    parts.append(_option_html(each_value, each_label, selected))
                parts.append("</optgroup>" if option_value else "")
                continue
            if option_value is None:
                option_value = ""
            selected = not found and str(option_value) in chosen
            found |= selected
            parts.append(_option_html(option_value, label, selected))
        parts.append("</select>")
        return SafeString("".join(parts))  # every value went through _escaped

    def _is_plain(self) -> bool:
        """One choice, options without attributes, Django's template: what select_html draws."""
        return not (
            self.allow_multiple_selected
            or self.option_inherits_attrs
            or self.template_name != SELECT_TEMPLATE
        )


def _option_html(value, label, selected: bool) -> str:
    return (
        f"<option value={_quoted(value)}{' selected' if selected else ''}>{_escaped(label)}"
        "</option>"
    )


class RowChoiceIterator(ModelChoiceIterator):
    """(value, label) from `values_list(value, *label_fields)`: one query, no model instances."""

    def __iter__(self):
        field = self.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        key = field.to_field_name or "pk"
        rows = self.queryset.values_list(key, *field.label_fields)
        if len(field.label_fields) == 1:  # most fields: the label is the column (None: "")
            for value, label in rows:
                yield (value, label if type(label) is str else field.label_from_columns(label))
            return
        for value, *columns in rows:
            yield (value, field.label_from_columns(*columns))


class RowChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options show the first non-empty of `label_fields`: ("name",)
    for a school, ("full_name", "email") for a user (as their __str__ does). Validation is the
    ModelChoiceField's: the cleaned value is the model instance."""

    iterator = RowChoiceIterator
    widget = Select

    def __init__(self, queryset, *, label_fields=("name",), **kwargs):
        self.label_fields = tuple(label_fields)
        super().__init__(queryset, **kwargs)

    def label_from_columns(self, *columns) -> str:
        # RowChoiceIterator does without this call when the one label column holds text.
        return str(next((value for value in columns if value), ""))
