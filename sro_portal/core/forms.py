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
from django.forms.renderers import DjangoTemplates
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
    """Django's Select with a leaner optgroups(): the same options (the same dictionaries),
    written in place. Django's create_option() builds and merges attribute dictionaries for
    each option, about twenty calls an option: a third of a 300-school filter's cost."""

    def optgroups(self, name, value, attrs=None):
        if self.allow_multiple_selected or self.option_inherits_attrs:
            return super().optgroups(name, value, attrs)
        chosen, found, groups = set(value), False, []
        for index, (option_value, option_label) in enumerate(self.choices):
            if option_value is None:
                option_value = ""
            if isinstance(option_label, list | tuple):  # a group of options
                options = []
                for subindex, (subvalue, sublabel) in enumerate(option_label):
                    selected = not found and str(subvalue) in chosen
                    found |= selected
                    options.append(
                        self._option(name, subvalue, sublabel, selected, f"{index}_{subindex}")
                    )
                groups.append((option_value, options, index))
                continue
            selected = not found and str(option_value) in chosen  # the first match only
            found |= selected
            option = self._option(name, option_value, option_label, selected, str(index))
            groups.append((None, [option], index))
        return groups

    def _option(self, name, value, label, selected, index) -> dict:
        """As create_option() for a Select: no attributes but `selected`, no id."""
        return {
            "name": name,
            "value": value,
            "label": label,
            "selected": selected,
            "index": index,
            "attrs": {"selected": True} if selected else {},
            "type": self.input_type,
            "template_name": self.option_template_name,
            "wrap_label": True,
        }


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
