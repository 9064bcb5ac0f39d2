"""PAYOFF (Police Assisted Youth Oriented Formative Fitness) diversion agreements.

A student works off a minor offence under an agreement with the SRO (police diversion under the
YCJA: an extrajudicial measure or sanction) or with the school administration. The youth's
consent is recorded as the Act requires before a police-diversion agreement becomes active; the
work is logged session by session and verified by an adult; the officer checks 6 and 12 months
after completion whether the youth re-offended. Records become unreachable when their access
period ends (services.purge_expired leaves an anonymous tombstone).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sro_portal.audit.tracking import audited
from sro_portal.tenancy import TenantModel


class Basis(models.TextChoices):
    SCHOOL = "school", _("School-administered")
    MEASURE = "measure", _("Police diversion: extrajudicial measure")
    SANCTION = "sanction", _("Police diversion: extrajudicial sanction")


POLICE_BASES = frozenset({Basis.MEASURE, Basis.SANCTION})


class ConsentMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person, signed")
    WRITING = "writing", _("In writing")
    VERBAL = "verbal", _("Verbally, witnessed")


class NotificationMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    LETTER = "letter", _("By letter")
    EMAIL = "email", _("By email")


class NextStep(models.TextChoices):
    NEW_AGREEMENT = "new_agreement", _("A new agreement")
    REFERRAL = "referral", _("A referral to a community program")
    CHARGE = "charge", _("A charge to be considered")


@audited()
class Agreement(TenantModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        NOT_COMPLETED = "not_completed", _("Not completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    student = models.ForeignKey(
        "officers.Student", on_delete=models.PROTECT, related_name="+", verbose_name=_("student")
    )
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("incident"),
    )
    offence = models.TextField(_("the offence, in plain words"), max_length=2000)
    offence_on = models.DateField(_("date of the offence"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("SRO responsible"),
    )
    co_signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school admin co-signing"),
    )
    basis = models.CharField(_("legal basis"), max_length=10, choices=Basis.choices)
    starts_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("to be completed by"))
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.DRAFT
    )

    # What the youth was told and agreed to (required before a police-diversion agreement starts).
    informed_at = models.DateTimeField(_("told what the agreement involves"), null=True, blank=True)
    counsel_advised_at = models.DateTimeField(
        _("advised of the right to counsel, with a chance to consult"), null=True, blank=True
    )
    consented_at = models.DateTimeField(_("consented"), null=True, blank=True)
    consent_method = models.CharField(
        _("how consent was given"), max_length=10, choices=ConsentMethod.choices, blank=True
    )
    responsibility_accepted = models.BooleanField(
        _("accepted responsibility for the act"), default=False
    )
    denies_involvement = models.BooleanField(_("denies involvement"), default=False)
    requests_court = models.BooleanField(
        _("asks to have the matter dealt with by a court"), default=False
    )
    parent_name = models.CharField(_("parent or guardian notified"), max_length=150, blank=True)
    parent_notified_at = models.DateTimeField(_("notified"), null=True, blank=True)
    parent_notification_method = models.CharField(
        _("how"), max_length=10, choices=NotificationMethod.choices, blank=True
    )

    # How it ended.
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome_note = models.TextField(_("why, and what happens next"), max_length=2000, blank=True)
    next_step = models.CharField(
        _("next step"), max_length=15, choices=NextStep.choices, blank=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    # After this date the agreement is unreachable, and the daily purge destroys it.
    purge_after = models.DateField(_("access period ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("PAYOFF agreement")
        verbose_name_plural = _("PAYOFF agreements")
        ordering = ["-starts_on", "-id"]
        indexes = [
            models.Index(fields=["agency", "school", "status"], name="agreement_school_idx"),
            models.Index(fields=["agency", "student"], name="agreement_student_idx"),
            models.Index(fields=["agency", "purge_after"], name="agreement_purge_idx"),
            # The list's keyset order (sro_portal/core/pagination.py).
            models.Index(fields=["agency", "-starts_on", "-id"], name="agreement_list_idx"),
            # The dashboard: an agreement's school read from the index alone (hours worked go
            # through their agreement), and the agreements completed in a period.
            models.Index(
                fields=["agency", "id"], include=["school"], name="agreement_school_of_idx"
            ),
            models.Index(
                fields=["agency", "closed_on"], include=["school"], name="agreement_closed_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("starts_on")),
                name="agreement_due_after_start",
                violation_error_message=_("The agreement must end after it starts."),
            ),
        ]

    def __str__(self):
        return _("Agreement #%(pk)s") % {"pk": self.pk}

    @property
    def is_police_diversion(self) -> bool:
        return self.basis in POLICE_BASES


class TaskKind(models.TextChoices):
    RESTORATIVE = "restorative", _("Restorative work around the school")
    WORKOUT = "workout", _("Workout sessions with the SRO")
    EXTRACURRICULAR = "extracurricular", _("Helping teachers with extracurricular activities")
    APOLOGY = "apology", _("Apology")
    OTHER = "other", _("Other")


@audited()
class Task(TenantModel):
    """One term of an agreement: so many hours, or so many sessions, of one kind of work."""

    class Unit(models.TextChoices):
        HOURS = "hours", _("hours")
        SESSIONS = "sessions", _("sessions")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("agreement")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    unit = models.CharField(_("counted in"), max_length=10, choices=Unit.choices)
    required = models.DecimalField(
        _("required"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("200"))],
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["id"]
        indexes = [models.Index(fields=["agency", "agreement"], name="task_agreement_idx")]

    def __str__(self):
        return self.description or self.get_kind_display()


@audited()
class WorkSession(TenantModel):
    """A session of work done under an agreement, verified by the supervising adult."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("agreement")
    )
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("task")
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("8"))],
    )
    what_was_done = models.CharField(_("what was done"), max_length=500)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verifier_name = models.CharField(
        _("verified by (a teacher without an account)"), max_length=150, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("work session")
        verbose_name_plural = _("work sessions")
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["agency", "agreement", "date"], name="session_idx"),
            # The dashboard's hours worked in a period (by the agreement's school).
            models.Index(
                fields=["agency", "date"], include=["agreement", "hours"], name="session_date_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_by__isnull=False) | ~Q(verifier_name=""),
                name="session_verified",
                violation_error_message=_("Say which adult verified the session."),
            ),
        ]

    def __str__(self):
        return f"{self.date} · {self.hours} h"


@audited()
class Statement(TenantModel):
    """The youth's statement accepting responsibility: kept apart from the agreement, shown only
    to police roles on its own page, never printed or exported."""

    agreement = models.OneToOneField(Agreement, on_delete=models.CASCADE, related_name="statement")
    text = models.TextField(_("statement"), max_length=5000)

    class Meta:
        verbose_name = _("statement accepting responsibility")
        verbose_name_plural = _("statements accepting responsibility")

    def __str__(self):
        return _("Statement #%(pk)s") % {"pk": self.pk}


@audited()
class CheckIn(TenantModel):
    """Did the youth re-offend within 6 (or 12) months of completing the agreement?"""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="check_ins", verbose_name=_("agreement")
    )
    months = models.PositiveSmallIntegerField(_("months after completion"))
    due_on = models.DateField(_("due"))
    reoffended = models.BooleanField(_("re-offended"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["due_on"]
        indexes = [models.Index(fields=["agency", "due_on"], name="checkin_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "agreement", "months"], name="checkin_once_per_milestone"
            )
        ]

    def __str__(self):
        return _("%(months)s-month check-in") % {"months": self.months}


@audited()
class PurgedAgreement(TenantModel):
    """What remains of an agreement destroyed at the end of its access period: enough for the
    program's counts, nothing that identifies anyone (no student, school, incident or dates
    finer than the school year)."""

    basis = models.CharField(max_length=10, choices=Basis.choices)
    final_status = models.CharField(max_length=15, choices=Agreement.Status.choices)
    school_year = models.CharField(max_length=9)  # "2024-2025"
    purged_on = models.DateField()

    class Meta:
        verbose_name = _("purged agreement")
        verbose_name_plural = _("purged agreements")
        indexes = [models.Index(fields=["agency", "school_year"], name="purged_year_idx")]

    def __str__(self):
        return f"{self.get_basis_display()} · {self.school_year}"
