"""Access events: who viewed, exported or disclosed a youth record.

Changes to rows are recorded by django-pghistory's triggers in one event table per audited model
(see tracking.py); this table records what triggers cannot see: reads. Both are append-only on
PostgreSQL (a trigger refuses UPDATE and DELETE).
"""

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessEvent(models.Model):
    class Action(models.TextChoices):
        VIEWED = "viewed", _("Viewed")
        EXPORTED = "exported", _("Exported")
        DISCLOSED = "disclosed", _("Disclosed")

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    # Never a student's name: ids, recipients' roles, legal grounds, export filters.
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["agency", "-at"], name="access_agency_at_idx"),
            models.Index(
                fields=["agency", "content_type", "object_id"], name="access_agency_object_idx"
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.content_type.model} #{self.object_id}"
