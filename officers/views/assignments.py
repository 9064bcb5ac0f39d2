"""Being written: placeholders that answer 404 until the real pages land."""

from django.http import Http404


def officer_list(request, **kwargs):
    raise Http404


def officer_detail(request, **kwargs):
    raise Http404


def profile_edit(request, **kwargs):
    raise Http404


def assignment_list(request, **kwargs):
    raise Http404


def assignment_create(request, **kwargs):
    raise Http404


def assignment_edit(request, **kwargs):
    raise Http404


def coverage(request, **kwargs):
    raise Http404
