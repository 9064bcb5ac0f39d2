"""Being written: placeholders that answer 404 until the real pages land."""

from django.http import Http404


def school_list(request, **kwargs):
    raise Http404


def school_detail(request, **kwargs):
    raise Http404


def disclosures_received(request, **kwargs):
    raise Http404
