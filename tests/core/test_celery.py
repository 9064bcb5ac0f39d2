"""Celery through Redis with a real worker: the invitation email goes out after commit."""

import importlib
import importlib.util
import time

import pytest
from django.apps import apps

from sro_portal.accounts import services, tasks
from sro_portal.accounts.models import Role
from sro_portal.celery import app as celery_app


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_invitation_email_is_sent_by_a_worker_after_commit(world_a, real_workers):
    invitation = services.invitation_create(
        actor=world_a.admin, email="worker@example.test", role=Role.SUPERVISOR
    )
    sink = real_workers
    deadline = time.monotonic() + 20
    while not sink.count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sink.recipients() == [invitation.email]


@pytest.mark.django_db
def test_tasks_are_enqueued_after_commit_with_ids_only(
    world_a, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        tasks.send_invitation_email_task,
        "apply_async",
        lambda args=None, kwargs=None, **options: sent.append((args, kwargs)),
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = services.invitation_create(
            actor=world_a.admin, email="ids@example.test", role=Role.SRO
        )
    assert sent == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert sent == [((invitation.pk,), {})]


def test_the_beat_schedule_names_registered_tasks(settings):
    # Every app's tasks module, as the worker's autodiscovery imports them (run alone, nothing
    # else in this process has imported them).
    for config in apps.get_app_configs():
        if importlib.util.find_spec(f"{config.name}.tasks"):
            importlib.import_module(f"{config.name}.tasks")

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks
        assert entry["schedule"] <= 3600  # interval jobs, never scheduled days ahead
