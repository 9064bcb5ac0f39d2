"""The Celery app. Tasks take ids only and are enqueued after commit (`delay_on_commit`).
The beat schedule is defined in settings (CELERY_BEAT_SCHEDULE): django-celery-beat does not
install on Django 6.1."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sro_portal.settings")

app = Celery("sro_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
