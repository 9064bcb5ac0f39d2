"""Being written: placeholders that answer 404 until the real pages land."""

from django.http import Http404


def police_list(request, **kwargs):
    raise Http404


def police_detail(request, **kwargs):
    raise Http404


def incident_create(request, **kwargs):
    raise Http404


def incident_edit(request, **kwargs):
    raise Http404


def incident_status(request, **kwargs):
    raise Http404


def person_add(request, **kwargs):
    raise Http404


def person_response(request, **kwargs):
    raise Http404


def person_remove(request, **kwargs):
    raise Http404


def follow_up_add(request, **kwargs):
    raise Http404


def follow_up_done(request, **kwargs):
    raise Http404


def disclosure_create(request, **kwargs):
    raise Http404


def disclosure_withdraw(request, **kwargs):
    raise Http404


def student_history(request, **kwargs):
    raise Http404


def overdue(request, **kwargs):
    raise Http404
