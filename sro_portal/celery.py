"""The Celery app. Tasks take ids only and are enqueued after commit (`delay_on_commit`).
The beat schedule is defined in settings (CELERY_BEAT_SCHEDULE): django-celery-beat does not
install on Django 6.1."""

import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.signals import before_task_publish

from sro_portal import rls

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sro_portal.settings")

# Row-level security (sro_portal/rls.py): a task sees the agency of whoever enqueued it (the
# request's user, or the agency a sweeping job had set), carried in a message header. A task
# run in process (the local demo, unit tests) simply stays in its caller's agency.
AGENCY_HEADER = "sro_agency_id"


class AgencyTask(DjangoTask):
    """Celery's Django task (delay_on_commit), running its body with the enqueuer's agency set.
    Set here, in the call itself, and not in a task_prerun receiver: Celery's Django fixup
    closes the database connection in its own task_prerun receiver, which would drop a setting
    made before it. A task called in process (directly, or eagerly) keeps its caller's agency."""

    def __call__(self, *args, **kwargs):
        request = self.request
        if request.called_directly or request.is_eager:  # in process: the caller's agency
            return super().__call__(*args, **kwargs)
        with rls.agency(getattr(request, AGENCY_HEADER, None)):
            return super().__call__(*args, **kwargs)


app = Celery("sro_portal", task_cls=AgencyTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@before_task_publish.connect
def _send_the_agency(headers=None, **kwargs):
    if headers is not None:
        headers[AGENCY_HEADER] = rls.current_agency()
