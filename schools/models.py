"""School boards (the agency's partners) and their schools.

The foundation creates these so that scoping can rest on them; the schools-and-drills issue
completes them (addresses, grades, contacts, drills).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sro_portal.accounts.models import Role
from sro_portal.audit.tracking import audited
from sro_portal.tenancy import TenantModel


@audited()
class SchoolBoard(TenantModel):
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("school board")
        verbose_name_plural = _("school boards")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="schoolboard_unique_name")
        ]

    def __str__(self):
        return self.name


@audited()
class School(TenantModel):
    board = models.ForeignKey(
        SchoolBoard, on_delete=models.PROTECT, related_name="schools", verbose_name=_("board")
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="school_unique_name")
        ]
        indexes = [models.Index(fields=["agency", "board"], name="school_agency_board_idx")]

    def __str__(self):
        return self.name


@audited()
class SchoolMembership(TenantModel):
    """Links a school admin (principal or vice-principal) to a school they administer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="school_memberships",
        verbose_name=_("user"),
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("school")
    )

    class Meta:
        verbose_name = _("school membership")
        verbose_name_plural = _("school memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "user", "school"], name="schoolmembership_unique"
            )
        ]
        indexes = [models.Index(fields=["agency", "school"], name="membership_agency_school_idx")]

    def __str__(self):
        return f"{self.user} @ {self.school}"

    def clean(self):
        super().clean()
        if self.user_id and self.user.role != Role.SCHOOL:
            raise ValidationError({"user": _("Only school admins are linked to schools.")})
