"""Being written: placeholders that answer 404 until the real pages land."""

from django.http import Http404


def student_list(request, **kwargs):
    raise Http404


def student_create(request, **kwargs):
    raise Http404


def student_detail(request, **kwargs):
    raise Http404


def student_edit(request, **kwargs):
    raise Http404


def partner_list(request, **kwargs):
    raise Http404


def partner_create(request, **kwargs):
    raise Http404


def partner_edit(request, **kwargs):
    raise Http404


def referral_list(request, **kwargs):
    raise Http404


def referral_create(request, **kwargs):
    raise Http404


def referral_detail(request, **kwargs):
    raise Http404


def referral_update(request, **kwargs):
    raise Http404
