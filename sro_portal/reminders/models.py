"""Reminders, and each user's choices about them.

A reminder moves PENDING -> QUEUED (the dispatcher handed it to a worker) -> SENDING (a worker
claimed it) -> SENT, or back to PENDING with a later `due_at` after a failed try, or FAILED after
the last try. CANCELLED when the object changed so that it is no longer due. Every move is a
compare-and-swap on `state`, which is what makes each reminder go out once.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sro_portal.audit.tracking import audited
from sro_portal.tenancy import TenantModel


class Reminder(TenantModel):
    # Not audited by triggers: an outbox whose own columns (state, attempts, sent_at...) are its
    # record, and which would add four event rows to every reminder sent.
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=64)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("recipient"),
    )
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)  # after a failed try, with backoff
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # What the delivery did: an email of its own, a place in the next daily digest, or neither
    # (the user reads this kind in the app only).
    emailed_at = models.DateTimeField(null=True, blank=True)
    awaits_digest = models.BooleanField(default=False)
    digested_at = models.DateTimeField(null=True, blank=True)
    # The in-app notification: the message as delivered, and when it was read.
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-due_at", "-id"]
        indexes = [
            # The dispatcher's question: what is due and not yet sent?
            models.Index(
                fields=["agency", "due_at"],
                condition=Q(state__in=["pending", "queued", "sending"]),
                name="reminder_due_idx",
            ),
            models.Index(
                fields=["agency", "recipient", "-due_at"],
                condition=Q(state="sent"),
                name="reminder_inbox_idx",
            ),
            models.Index(
                fields=["agency", "recipient"],
                condition=Q(state="sent", read_at__isnull=True),
                name="reminder_unread_idx",
            ),
            models.Index(
                fields=["agency", "content_type", "object_id"], name="reminder_object_idx"
            ),
        ]
        constraints = [
            # One live reminder of a kind per object and recipient: scheduling again moves it.
            models.UniqueConstraint(
                fields=["agency", "kind", "content_type", "object_id", "recipient"],
                condition=Q(state__in=["pending", "queued", "sending"]),
                name="reminder_one_live_per_object",
            ),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id} at {self.due_at:%Y-%m-%d %H:%M}Z"


@audited()
class ReminderSettings(TenantModel):
    """A user's reminder choices: kinds they read in the app only, and the daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_settings"
    )
    in_app_only_kinds = models.JSONField(default=list, blank=True)
    daily_digest = models.BooleanField(
        _("one email a day"),
        default=False,
        help_text=_("A single email at 7:00 with the day's reminders, instead of one email each."),
    )
    digest_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")
        constraints = [
            models.UniqueConstraint(fields=["agency", "user"], name="remindersettings_unique")
        ]

    def __str__(self):
        return f"reminder settings of {self.user_id}"

    def wants_email(self, kind: str) -> bool:
        return kind not in self.in_app_only_kinds
