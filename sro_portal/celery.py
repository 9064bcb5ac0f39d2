"""The Celery app. Tasks take ids only and are enqueued after commit (`delay_on_commit`).
The beat schedule is defined in settings (CELERY_BEAT_SCHEDULE): django-celery-beat does not
install on Django 6.1."""

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

from sro_portal import rls

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sro_portal.settings")

app = Celery("sro_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Row-level security (sro_portal/rls.py): a task sees the agency of whoever enqueued it (the
# request's user, or the agency a sweeping job had set), carried in a message header. A task
# run in process (the local demo, unit tests) simply stays in its caller's agency.
AGENCY_HEADER = "sro_agency_id"


@before_task_publish.connect
def _send_the_agency(headers=None, **kwargs):
    if headers is not None:
        headers[AGENCY_HEADER] = rls.current_agency()


@task_prerun.connect
def _enter_the_agency(task=None, **kwargs):
    if not task.request.is_eager:
        rls.set_agency(getattr(task.request, AGENCY_HEADER, None))


@task_postrun.connect
def _leave_the_agency(task=None, **kwargs):
    if not task.request.is_eager:
        rls.set_agency(None)
