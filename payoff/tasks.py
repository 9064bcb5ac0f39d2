"""Celery entry points of PAYOFF."""

from celery import shared_task

from payoff import services


@shared_task
def purge_expired_agreements_task() -> int:
    """The daily job: destroy agreements whose access period has ended."""
    return services.purge_expired()
