"""School boards (the agency's partners) and their schools.

The foundation creates these so that scoping can rest on them; the schools-and-drills issue
completes them (addresses, grades, contacts, drills).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sro_portal.accounts.models import Role
from sro_portal.audit.tracking import audited
from sro_portal.tenancy import TenantModel


class Grade(models.IntegerChoices):
    KINDERGARTEN = 0, _("Kindergarten")
    G1 = 1, _("Grade 1")
    G2 = 2, _("Grade 2")
    G3 = 3, _("Grade 3")
    G4 = 4, _("Grade 4")
    G5 = 5, _("Grade 5")
    G6 = 6, _("Grade 6")
    G7 = 7, _("Grade 7")
    G8 = 8, _("Grade 8")
    G9 = 9, _("Grade 9")
    G10 = 10, _("Grade 10")
    G11 = 11, _("Grade 11")
    G12 = 12, _("Grade 12")


@audited()
class SchoolBoard(TenantModel):
    """A school board (division) the agency works with; its drill rules apply to its schools."""

    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)

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
    grade_from = models.PositiveSmallIntegerField(
        _("lowest grade"), choices=Grade.choices, default=Grade.G10
    )
    grade_to = models.PositiveSmallIntegerField(
        _("highest grade"), choices=Grade.choices, default=Grade.G12
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    principal_name = models.CharField(_("principal"), max_length=150, blank=True)
    principal_email = models.EmailField(_("principal's email"), blank=True)
    principal_phone = models.CharField(_("principal's phone"), max_length=40, blank=True)
    vice_principal_name = models.CharField(_("vice-principal"), max_length=150, blank=True)
    vice_principal_email = models.EmailField(_("vice-principal's email"), blank=True)
    vice_principal_phone = models.CharField(_("vice-principal's phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="school_unique_name"),
            models.CheckConstraint(
                condition=models.Q(grade_to__gte=models.F("grade_from")),
                name="school_grades_in_order",
            ),
        ]
        indexes = [models.Index(fields=["agency", "board"], name="school_agency_board_idx")]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        grades = (self.grade_from, self.grade_to)
        if None not in grades and self.grade_to < self.grade_from:
            raise ValidationError({"grade_to": _("The highest grade is below the lowest.")})

    @property
    def grades_label(self) -> str:
        return gettext("%(lowest)s to %(highest)s") % {
            "lowest": Grade(self.grade_from).label,
            "highest": Grade(self.grade_to).label,
        }


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


class DrillKind(models.TextChoices):
    LOCKDOWN = "lockdown", _("Lockdown")
    HOLD_AND_SECURE = "hold_and_secure", _("Hold and secure")
    SHELTER_IN_PLACE = "shelter_in_place", _("Shelter in place")
    EVACUATION = "evacuation", _("Evacuation / fire")


@audited()
class DrillRule(TenantModel):
    """How many drills of a kind a board's schools must hold per term or per school year, and
    how many of them must be unannounced."""

    class Period(models.TextChoices):
        TERM = "term", _("per term")
        YEAR = "year", _("per school year")

    board = models.ForeignKey(
        SchoolBoard, on_delete=models.CASCADE, related_name="drill_rules", verbose_name=_("board")
    )
    kind = models.CharField(_("drill"), max_length=20, choices=DrillKind.choices)
    period = models.CharField(_("period"), max_length=4, choices=Period.choices)
    required = models.PositiveSmallIntegerField(_("required"))
    unannounced_required = models.PositiveSmallIntegerField(_("of which unannounced"), default=0)

    class Meta:
        verbose_name = _("drill rule")
        verbose_name_plural = _("drill rules")
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "board", "kind"], name="drillrule_unique"),
            models.CheckConstraint(
                condition=models.Q(unannounced_required__lte=models.F("required")),
                name="drillrule_unannounced_within_required",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.required} {self.get_period_display()}"

    def clean(self):
        super().clean()
        if (self.unannounced_required or 0) > (self.required or 0):
            raise ValidationError(
                {"unannounced_required": _("More unannounced drills than drills required.")}
            )


# The defaults of a new board: fire drills 3 per term (Alberta Fire Code), lockdowns 2 per
# school year with at least one unannounced (Edmonton Public Schools).
DEFAULT_DRILL_RULES = [
    (DrillKind.EVACUATION, DrillRule.Period.TERM, 3, 0),
    (DrillKind.LOCKDOWN, DrillRule.Period.YEAR, 2, 1),
]


def drill_moment() -> models.Case:
    """The moment that counts (Drill.happened_on) in SQL: when the drill started, else when it
    was planned. Written as CASE, not COALESCE: PostgreSQL treats COALESCE as a function that may
    leak the rows it sees, and under row-level security (the application role the web connects
    as) it evaluates no such condition before the agency's policy, so a COALESCE range could use
    no index: every drill of every agency was read (tests/hardening/test_rls_plans.py)."""
    return models.Case(
        models.When(started_at__isnull=False, then=models.F("started_at")),
        default=models.F("planned_at"),
    )


@audited()
class Drill(TenantModel):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="drills", verbose_name=_("school")
    )
    kind = models.CharField(_("drill"), max_length=20, choices=DrillKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    planned_at = models.DateTimeField(_("planned for"))
    announced = models.BooleanField(
        _("announced"), default=True, help_text=_("Staff and students were told beforehand.")
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("led by"),
    )
    # The record of the drill as it happened.
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    seconds_to_complete = models.PositiveIntegerField(
        _("time to complete (seconds)"),
        null=True,
        blank=True,
        help_text=_("From the alarm to the building secured or evacuated."),
    )
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    sro_present = models.BooleanField(_("SRO present"), default=False)
    observations = models.TextField(_("observations"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    cancelled_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-planned_at"]
        indexes = [
            models.Index(fields=["agency", "school", "planned_at"], name="drill_school_idx"),
            models.Index(fields=["agency", "status", "planned_at"], name="drill_status_idx"),
            # The moment that counts (happened_on): the compliance matrix's and the dashboard's
            # drills of a school year or period (a scan of every drill of the agency without it).
            models.Index(models.F("agency"), drill_moment(), name="drill_moment_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(started_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="drill_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.school}"

    @property
    def happened_on(self):
        """The moment that counts for compliance: when it started, else when it was planned."""
        return self.started_at or self.planned_at


@audited()
class CorrectiveAction(TenantModel):
    """Something a drill showed must be fixed, with who fixes it and by when."""

    drill = models.ForeignKey(
        Drill, on_delete=models.CASCADE, related_name="corrective_actions", verbose_name=_("drill")
    )
    description = models.CharField(_("what must be fixed"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_on"]
        indexes = [
            models.Index(fields=["agency", "drill"], name="correctiveaction_drill_idx"),
            models.Index(fields=["agency", "owner", "due_on"], name="correctiveaction_owner_idx"),
        ]

    def __str__(self):
        return self.description
