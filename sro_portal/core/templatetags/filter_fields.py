"""{% filter_fields form "col-class" ... %}: a list's filter form, each field with its label and
errors in a column, as the lists' `{% for field in form %}` loops drew them (the loop's look-ups
cost some hundreds of Python calls a page). The n-th field takes the n-th column class given,
the fields after the last class take the last one. The widgets are the form renderer's
(sro_portal/core/forms.py). tests/incidents/test_list_tags.py and
tests/presentations/test_list_rows.py compare it with the loops it replaced.
"""

from html import escape

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def filter_fields(form, *columns: str) -> SafeString:
    html = []
    for index, field in enumerate(form):
        errors = "".join(
            [
                f'<div class="invalid-feedback">{conditional_escape(error)}</div>'
                for error in field.errors
            ]
        )
        column = columns[min(index, len(columns) - 1)]
        html.append(
            f'\n  <div class="{escape(column)}">\n'
            f'    <label class="form-label" for="{escape(field.id_for_label)}">'
            f"{conditional_escape(field.label)}</label>\n"
            f"    {field}\n"  # drawn and escaped by the form renderer
            f"    {errors}\n"
            "  </div>\n  "
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped
