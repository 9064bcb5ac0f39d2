"""The form renderer: Django's, with <select> drawn in Python.

Django renders each <option> through a template include: about 0.1 ms an option, so the
300-school filter of a large agency's list pages cost tens of milliseconds, more than the
page's SQL. This renderer writes the same HTML as django/forms/widgets/select.html directly.
Every other widget keeps its template.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import format_html, format_html_join

SELECT_TEMPLATE = "django/forms/widgets/select.html"


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            return select_html(context["widget"])
        return super().render(template_name, context, request)


def select_html(widget: dict) -> str:
    groups = []
    for group_name, options, _index in widget["optgroups"]:
        rows = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (_text(option["value"]), _attrs(option["attrs"]), option["label"])
                for option in options
            ),
        )
        groups.append(
            format_html('<optgroup label="{}">{}</optgroup>', group_name, rows)
            if group_name
            else rows
        )
    return format_html(
        '<select name="{}"{}>{}</select>',
        widget["name"],
        _attrs(widget["attrs"]),
        _join(groups),
    )


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: True gives the bare name, False leaves it out."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(format_html(" {}", name))
        elif value is not False:
            parts.append(format_html(' {}="{}"', name, _text(value)))
    return _join(parts)


def _join(safe_parts: list) -> str:
    """Already-escaped parts joined (conditional_escape leaves them as they are)."""
    return format_html_join("", "{}", ((part,) for part in safe_parts))


def _text(value) -> str:
    return "" if value is None else str(value)
