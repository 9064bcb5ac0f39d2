"""The local demo has no Redis and no beat: there, `runserver` runs the due-reminder job itself
every minute on a thread, so the demo's reminders appear on the console and in the app."""

import logging
import os
import sys
import threading

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 60
_stop = threading.Event()


def start_if_wanted() -> threading.Thread | None:
    serving = len(sys.argv) > 1 and sys.argv[1] == "runserver"
    # Under the autoreloader only the child process (RUN_MAIN) serves requests.
    child = os.environ.get("RUN_MAIN") == "true" or "--noreload" in sys.argv
    if not (settings.REMINDERS_LOCAL_TIMER and serving and child):
        return None
    _stop.clear()
    thread = threading.Thread(target=_run_until_stopped, name="reminders-timer", daemon=True)
    thread.start()
    return thread


def stop() -> None:
    _stop.set()


def _run_until_stopped() -> None:
    from sro_portal.reminders.tasks import dispatch_due_reminders_task

    while not _stop.wait(INTERVAL_SECONDS):
        try:
            sent = dispatch_due_reminders_task()
            if sent:
                logger.info("Reminders: %s delivered", sent)
        except Exception:
            logger.exception("The local reminder timer failed; it tries again in a minute")
        finally:
            close_old_connections()
