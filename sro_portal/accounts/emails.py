"""Invitation email. The link is built here, from the invitation's current key, so the task
that sends it takes only the invitation's id."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from sro_portal.accounts.models import Invitation
from sro_portal.accounts.tokens import invitation_token
from sro_portal.i18n import agency_language


def send_invitation_email(*, invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("agency", "invited_by").get(pk=invitation_id)
    if not invitation.is_open:
        return  # revoked, accepted or expired before the worker got to it
    link = settings.SITE_URL.rstrip("/") + reverse(
        "accounts:invitation_accept", args=[invitation_token(invitation)]
    )
    context = {"invitation": invitation, "link": link, "valid_days": settings.INVITATION_VALID_DAYS}
    # The invitee has no account yet, so no language of their own: the agency's default.
    with translation.override(agency_language(invitation.agency)):
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation_body.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[invitation.email])
    message.send()
