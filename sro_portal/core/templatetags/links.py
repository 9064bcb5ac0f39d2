"""{% fixed_url 'name' %}: {% url 'name' %} for a page without arguments, reversed once.

The navigation bar and the footer name about thirty pages on every page, and reverse() costs
about 25 microseconds each (the resolver checks each candidate against its pattern): most of a
millisecond a page. A URL without arguments depends only on the URL configuration and the script
prefix, so it is kept under those (the URLs are not translated: no i18n_patterns; a test that
swaps the URL configuration gets its own keys). Like {% url %},
`{% fixed_url 'name' as var %}` stores it instead.

{% fixed_static 'path' %}: {% static 'path' %}, looked up once a process. The layout names six
static files on every page and the manifest storage's url() costs about 110 Python calls each;
the hashed names are read once, when the process starts, and do not change while it runs.
"""

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

_reversed: dict[tuple, str] = {}
_static: dict[str, str] = {}


@register.simple_tag
def fixed_url(viewname: str) -> str:
    key = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), viewname)
    url = _reversed.get(key)
    if url is None:
        url = _reversed[key] = reverse(viewname)
    return url


@register.simple_tag
def fixed_static(path: str) -> str:
    url = _static.get(path)
    if url is None:
        url = _static[path] = static(path)
    return url


@receiver(setting_changed)
def _forget_static_urls(*, setting, **kwargs):
    """A test that changes where static files are served gets fresh URLs."""
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "STATICFILES_DIRS"}:
        _static.clear()
