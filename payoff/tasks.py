"""Celery entry points of PAYOFF."""

from celery import shared_task

from payoff import services
from sro_portal import rls


@shared_task
def purge_expired_agreements_task() -> int:
    """The daily job: destroy agreements whose access period has ended, agency by agency (row-
    level security shows one agency at a time). Run by the owner role: only it may delete the
    audit trail's copies (sro_portal/rls.py)."""
    return sum(services.purge_expired() for _agency_id in rls.agencies_in_turn())
