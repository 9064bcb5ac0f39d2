"""Being written: placeholders that answer 404 until the real pages land."""

from django.http import Http404


def agreement_list(request, **kwargs):
    raise Http404


def agreement_create(request, **kwargs):
    raise Http404


def agreement_detail(request, **kwargs):
    raise Http404


def agreement_edit(request, **kwargs):
    raise Http404


def task_add(request, **kwargs):
    raise Http404


def task_remove(request, **kwargs):
    raise Http404


def consent(request, **kwargs):
    raise Http404


def statement(request, **kwargs):
    raise Http404


def activate(request, **kwargs):
    raise Http404


def session_add(request, **kwargs):
    raise Http404


def complete(request, **kwargs):
    raise Http404


def not_completed(request, **kwargs):
    raise Http404


def withdraw(request, **kwargs):
    raise Http404


def print_agreement(request, **kwargs):
    raise Http404


def progress_card(request, **kwargs):
    raise Http404
