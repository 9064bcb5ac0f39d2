"""Celery entry points of the accounts core: ids in, refetch, call a service."""

from celery import shared_task

from sro_portal.accounts import emails


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_email_task(invitation_id: int) -> None:
    emails.send_invitation_email(invitation_id=invitation_id)
