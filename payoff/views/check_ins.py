"""Being written: placeholders that answer 404 until the real pages land."""

from django.http import Http404


def check_in_list(request, **kwargs):
    raise Http404


def check_in_detail(request, **kwargs):
    raise Http404


def reoffence_rates(request, **kwargs):
    raise Http404
