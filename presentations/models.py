"""Presentations: the agency's topic catalogue with its materials, and each talk a school asks
for, from the request through scheduling and delivery to the teacher's feedback.

One `Presentation` row follows a talk through its life (requested -> scheduled -> delivered, or
cancelled); each move of its date is kept as a `ScheduleChange`. Feedback comes through a
one-time link that needs no account (`Feedback`, one per delivered talk).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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


def grades_label(first: int, last: int) -> str:
    """ "Grade 7", or "Grade 7 to Grade 12"."""
    if first == last:
        return str(Grade(first).label)
    return _("%(first)s to %(last)s") % {"first": Grade(first).label, "last": Grade(last).label}


@audited()
class Topic(TenantModel):
    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), max_length=4000)
    grade_from = models.PositiveSmallIntegerField(_("from grade"), choices=Grade.choices)
    grade_to = models.PositiveSmallIntegerField(_("to grade"), choices=Grade.choices)
    minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"), validators=[MinValueValidator(10), MaxValueValidator(240)]
    )
    partner = models.ForeignKey(
        "officers.CommunityPartner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner involved"),
    )
    is_active = models.BooleanField(
        _("offered"), default=True, help_text=_("Schools can request only offered topics.")
    )

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "title"], name="topic_unique_title"),
            models.CheckConstraint(
                condition=Q(grade_from__lte=models.F("grade_to")), name="topic_grades_in_order"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def grades_label(self) -> str:
        return grades_label(self.grade_from, self.grade_to)


@audited()
class Material(TenantModel):
    """A file that goes with a topic (slides, handout), stored privately under a generated name
    and served by presentations:material_download to users of the agency only."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="materials", verbose_name=_("topic")
    )
    title = models.CharField(_("title"), max_length=150)
    file = models.FileField(_("file"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["agency", "topic"], name="material_topic_idx")]

    def __str__(self):
        return self.title


@audited()
class Presentation(TenantModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        SCHEDULED = "scheduled", _("Scheduled")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    # --- The request
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, related_name="presentations", verbose_name=_("topic")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    classes = models.CharField(
        _("classes"), max_length=200, help_text=_("For example: 8A and 8B, Ms. Roy's homeroom.")
    )
    grade_from = models.PositiveSmallIntegerField(_("from grade"), choices=Grade.choices)
    grade_to = models.PositiveSmallIntegerField(_("to grade"), choices=Grade.choices)
    expected_students = models.PositiveSmallIntegerField(
        _("expected students"), validators=[MinValueValidator(1), MaxValueValidator(2000)]
    )
    preferred_from = models.DateField(_("preferred from"))
    preferred_to = models.DateField(_("preferred until"))
    needs = models.TextField(
        _("what this school needs"),
        max_length=2000,
        blank=True,
        help_text=_("What happened lately, what the students ask about: the talk is tailored."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )

    # --- The schedule
    scheduled_at = models.DateTimeField(_("date and time"), null=True, blank=True)
    room = models.CharField(_("room"), max_length=100, blank=True)
    presenters = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Presenter",
        blank=True,
        related_name="+",
        verbose_name=_("presenters"),
    )
    partner = models.ForeignKey(
        "officers.CommunityPartner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner"),
    )

    # --- The delivery
    students_reached = models.PositiveSmallIntegerField(
        _("students reached"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(2000)],
    )
    classes_reached = models.CharField(_("classes reached"), max_length=200, blank=True)
    tailoring = models.TextField(_("what was tailored"), max_length=2000, blank=True)
    follow_up_questions = models.TextField(
        _("follow-up questions raised"), max_length=2000, blank=True
    )
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # --- A cancellation
    cancel_reason = models.CharField(_("reason"), max_length=500, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("presentation")
        verbose_name_plural = _("presentations")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["agency", "school", "status"], name="presentation_school_idx"),
            models.Index(fields=["agency", "status", "scheduled_at"], name="presentation_when_idx"),
            models.Index(fields=["agency", "topic"], name="presentation_topic_idx"),
            # The list's keyset order (sro_portal/core/pagination.py): DESC lists NULLs first.
            models.Index(
                fields=["agency", "-scheduled_at", "-created_at", "-id"],
                name="presentation_list_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade_from__lte=models.F("grade_to")),
                name="presentation_grades_in_order",
            ),
            models.CheckConstraint(
                condition=Q(preferred_from__lte=models.F("preferred_to")),
                name="presentation_preferred_in_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "cancelled"]) | Q(scheduled_at__isnull=False),
                name="presentation_scheduled_has_a_date",
            ),
        ]

    def __str__(self):
        return _("Presentation #%(pk)s") % {"pk": self.pk}

    @property
    def grades_label(self) -> str:
        return grades_label(self.grade_from, self.grade_to)


@audited()
class Presenter(TenantModel):
    """Who gives a talk (the link row carries the agency, like every tenant row)."""

    presentation = models.ForeignKey(Presentation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("presenter")
        verbose_name_plural = _("presenters")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "presentation", "user"], name="presenter_unique"
            )
        ]

    def __str__(self):
        return f"{self.user_id} presents {self.presentation_id}"


@audited()
class ScheduleChange(TenantModel):
    """A scheduled talk moved to another time or room: the old plan and why it changed."""

    presentation = models.ForeignKey(
        Presentation, on_delete=models.CASCADE, related_name="schedule_changes"
    )
    previous_at = models.DateTimeField(_("was planned for"))
    previous_room = models.CharField(_("room"), max_length=100, blank=True)
    new_at = models.DateTimeField(_("moved to"))
    reason = models.CharField(_("reason"), max_length=500)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("schedule change")
        verbose_name_plural = _("schedule changes")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["agency", "presentation"], name="schedulechange_idx")]

    def __str__(self):
        return f"{self.presentation_id}: {self.previous_at:%Y-%m-%d} -> {self.new_at:%Y-%m-%d}"


# The key is a credential (with SECRET_KEY it makes the link): kept out of the audit trail.
@audited(exclude=["key"])
class Feedback(TenantModel):
    """The requester's feedback on a delivered talk, given once through a link that needs no
    account. The link carries this row's key, signed (presentations/tokens.py); answering or
    expiry ends it."""

    presentation = models.OneToOneField(
        Presentation, on_delete=models.CASCADE, related_name="feedback"
    )
    key = models.UUIDField(unique=True)
    expires_at = models.DateTimeField(_("link expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    usefulness = models.PositiveSmallIntegerField(
        _("usefulness"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    fit = models.PositiveSmallIntegerField(
        _("fit for the class"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True)
                | Q(usefulness__isnull=False, fit__isnull=False),
                name="feedback_answer_is_complete",
            ),
        ]

    def __str__(self):
        return f"feedback on {self.presentation_id}"
