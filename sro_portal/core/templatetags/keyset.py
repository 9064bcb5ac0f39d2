"""{% keyset_query after=cursor %}: the current query string with the keyset cursor replaced."""

from django import template

register = template.Library()

CURSOR_PARAMS = ("after", "before")


@register.simple_tag(takes_context=True)
def keyset_query(context, **cursor):
    params = context["request"].GET.copy()
    for name in CURSOR_PARAMS:
        params.pop(name, None)
    for name, value in cursor.items():
        if name in CURSOR_PARAMS and value:
            params[name] = value
    return params.urlencode()
