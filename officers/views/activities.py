"""Being written: placeholders that answer 404 until the real pages land."""

from django.http import Http404


def activity_week(request, **kwargs):
    raise Http404


def activity_create(request, **kwargs):
    raise Http404


def activity_list(request, **kwargs):
    raise Http404


def activity_edit(request, **kwargs):
    raise Http404


def activity_delete(request, **kwargs):
    raise Http404
