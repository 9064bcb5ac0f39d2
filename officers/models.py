"""Officers' assignments to schools. The officers issue adds profiles, the activity log,
partners and referrals; assignments exist from the foundation because scoping rests on them."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sro_portal.accounts.models import Role
from sro_portal.audit.tracking import audited
from sro_portal.tenancy import TenantModel


class AssignmentQuerySet(models.QuerySet):
    def covering(self, day: date):
        """Assignments in force on `day` (an open end means still in force)."""
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day), starts_on__lte=day)


@audited()
class Assignment(TenantModel):
    """An SRO assigned to a school over a date range, as its primary or backup officer."""

    class Kind(models.TextChoices):
        PRIMARY = "primary", _("Primary")
        BACKUP = "backup", _("Backup")

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("officer"),
    )
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("school"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRIMARY)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-starts_on"]
        indexes = [
            models.Index(fields=["agency", "school", "starts_on"], name="assignment_school_idx"),
            models.Index(fields=["agency", "officer", "starts_on"], name="assignment_officer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="assignment_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.officer} → {self.school} ({self.get_kind_display()})"

    def clean(self):
        super().clean()
        if self.officer_id and self.officer.role != Role.SRO:
            raise ValidationError({"officer": _("Only school resource officers are assigned.")})
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date is before the start date.")})
