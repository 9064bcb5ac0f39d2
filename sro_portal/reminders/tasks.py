"""Celery entry points of the reminders engine: ids in, the services do the rest."""

from celery import shared_task

from sro_portal import rls
from sro_portal.reminders import services


@shared_task
def dispatch_due_reminders_task() -> int:
    """The beat job (every minute): queue what is due, and today's digests, agency by agency
    (row-level security shows one agency at a time)."""
    queued = 0
    for agency_id in rls.agencies_in_turn():
        # Filtered by the agency too, not by row-level security alone (the owner bypasses it).
        batches = services.dispatch_due(agency_id=agency_id)
        services.dispatch_digests(agency_id=agency_id)
        queued += sum(len(batch) for batch in batches)
    return queued


# A failure inside a delivery is recorded on the reminder and retried by the dispatcher with
# backoff; a failure of the task itself (the database gone) is retried here. Either way a
# reminder already claimed is never sent again.
@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def deliver_reminders_task(reminder_ids: list[int]) -> int:
    return services.deliver_reminders(reminder_ids)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def send_digest_task(settings_id: int) -> int:
    return services.send_digest(settings_id=settings_id)
