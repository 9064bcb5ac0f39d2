"""Officers' assignments to schools. The officers issue adds profiles, the activity log,
partners and referrals; assignments exist from the foundation because scoping rests on them."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
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

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)

    def clean(self):
        super().clean()
        if self.officer_id and self.officer.role != Role.SRO:
            raise ValidationError({"officer": _("Only school resource officers are assigned.")})
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date is before the start date.")})


@audited()
class OfficerProfile(TenantModel):
    """What the program keeps about an SRO beyond their account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer_profile"
    )
    badge_number = models.CharField(_("badge number"), max_length=20, blank=True)
    rank = models.CharField(_("rank"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Stored privately (MEDIA_ROOT) under a generated name; served by officers:officer_photo.
    photo = models.FileField(_("photo"), blank=True, max_length=200)

    class Meta:
        verbose_name = _("officer profile")
        verbose_name_plural = _("officer profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "badge_number"],
                condition=~Q(badge_number=""),
                name="officerprofile_unique_badge",
                violation_error_message=_("Another officer has this badge number."),
            )
        ]

    def __str__(self):
        return str(self.user)


class SRORole(models.TextChoices):
    """The three roles of an SRO (the Edmonton model)."""

    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    EDUCATOR = "educator", _("Educator")
    MENTOR = "mentor", _("Mentor and counsellor")


class ActivityCategory(models.TextChoices):
    STUDENT_ACTIVITY = "student_activity", _("Student activity (organised or joined)")
    COUNSELLING = "counselling", _("Counselling")
    MEDIATION = "mediation", _("Mediation")
    MENTORING = "mentoring", _("Mentoring")
    RESOURCES = "resources", _("Connecting a student to resources")
    SAFETY_DISCUSSION = "safety_discussion", _("Safety discussion (individual or group)")
    DRILL_SUPPORT = "drill_support", _("Drill support")
    PRESENTATION = "presentation", _("Class presentation")
    CRIME_PREVENTION = "crime_prevention", _("Crime prevention and visibility")
    INVESTIGATION = "investigation", _("Investigation and enforcement")
    PARENT_CONTACT = "parent_contact", _("Parent or guardian contact")
    STAFF_CONSULTATION = "staff_consultation", _("Staff consultation")
    COMMUNITY = "community", _("Community program collaboration")
    ADMINISTRATION = "administration", _("Administration")

    @property
    def sro_role(self) -> str:
        return CATEGORY_ROLES[self]


# Which SRO role each kind of work serves. Administration (reports, court, files) counts as police
# work, with law enforcement.
CATEGORY_ROLES = {
    ActivityCategory.STUDENT_ACTIVITY: SRORole.MENTOR,
    ActivityCategory.COUNSELLING: SRORole.MENTOR,
    ActivityCategory.MEDIATION: SRORole.MENTOR,
    ActivityCategory.MENTORING: SRORole.MENTOR,
    ActivityCategory.RESOURCES: SRORole.MENTOR,
    ActivityCategory.PARENT_CONTACT: SRORole.MENTOR,
    ActivityCategory.COMMUNITY: SRORole.MENTOR,
    ActivityCategory.SAFETY_DISCUSSION: SRORole.EDUCATOR,
    ActivityCategory.PRESENTATION: SRORole.EDUCATOR,
    ActivityCategory.STAFF_CONSULTATION: SRORole.EDUCATOR,
    ActivityCategory.DRILL_SUPPORT: SRORole.LAW_ENFORCEMENT,
    ActivityCategory.CRIME_PREVENTION: SRORole.LAW_ENFORCEMENT,
    ActivityCategory.INVESTIGATION: SRORole.LAW_ENFORCEMENT,
    ActivityCategory.ADMINISTRATION: SRORole.LAW_ENFORCEMENT,
}


def by_role(minutes_by_category: dict) -> dict[str, int]:
    """{SRO role: minutes} from {category: minutes}, every role (zero when it has none)."""
    totals = dict.fromkeys(SRORole, 0)
    for category, minutes in minutes_by_category.items():
        totals[CATEGORY_ROLES[category]] += minutes or 0
    return totals


@audited()
class Student(TenantModel):
    """The minimal record of a student that the apps share (activities, referrals, incidents,
    agreements). Police roles of the student's school see it; school admins do not browse it:
    a student's presence here says the police dealt with them (DESIGN.md, privacy rules).
    Names never go in URLs, emails, calendar feeds or logs: pages refer to the id."""

    school = models.ForeignKey(
        "schools.School",
        on_delete=models.PROTECT,
        related_name="students",
        verbose_name=_("school"),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    grade = models.PositiveSmallIntegerField(
        _("grade"), validators=[MaxValueValidator(12)], null=True, blank=True
    )
    date_of_birth = models.DateField(_("date of birth"))
    student_number = models.CharField(_("student number"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["agency", "school", "last_name"], name="student_school_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "school", "student_number"],
                condition=~Q(student_number=""),
                name="student_unique_number",
            )
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: date) -> int:
        before_birthday = (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day)
        return day.year - self.date_of_birth.year - before_birthday


@audited()
class CommunityPartner(TenantModel):
    class Kind(models.TextChoices):
        HEALTH = "health", _("Health services")
        CHILD_PROTECTION = "child_protection", _("Child protection")
        COUNSELLING = "counselling", _("Counselling")
        YOUTH_SERVICES = "youth_services", _("Youth services")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    contact_name = models.CharField(_("contact"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    programs = models.TextField(_("programs offered"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("community partner")
        verbose_name_plural = _("community partners")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="partner_unique_name")
        ]

    def __str__(self):
        return self.name


@audited()
class Activity(TenantModel):
    """One entry of an SRO's daily log."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("officer"),
    )
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=30, choices=ActivityCategory.choices)
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(720)]
    )
    students_reached = models.PositiveSmallIntegerField(
        _("students reached"), default=0, validators=[MaxValueValidator(5000)]
    )
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("student"),
    )
    partner = models.ForeignKey(
        CommunityPartner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("community partner"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["agency", "officer", "date"], name="activity_officer_idx"),
            models.Index(fields=["agency", "school", "date"], name="activity_school_idx"),
            # Covering: the dashboard's time figures and time by SRO role over a period read
            # the index alone (a year of a large agency is 230,000 rows).
            models.Index(
                fields=["agency", "date"],
                include=["category", "minutes", "students_reached", "officer", "school"],
                name="activity_date_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} · {self.minutes} min"

    @property
    def sro_role(self) -> str:
        return CATEGORY_ROLES[ActivityCategory(self.category)]


@audited()
class Referral(TenantModel):
    """A student (or their family) referred to a community partner, followed until the loop is
    closed."""

    class Status(models.TextChoices):
        MADE = "made", _("Made")
        ACCEPTED = "accepted", _("Accepted")
        ENGAGED = "engaged", _("Engaged")
        CLOSED = "closed", _("Closed")
        DECLINED = "declined", _("Declined")

    class ConsentBy(models.TextChoices):
        STUDENT = "student", _("The student")
        PARENT = "parent", _("A parent or guardian")

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("student")
    )
    partner = models.ForeignKey(
        CommunityPartner,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("partner"),
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("made by"),
    )
    made_on = models.DateField(_("made on"))
    reason = models.TextField(_("reason"), max_length=2000)
    consent_by = models.CharField(_("consent given by"), max_length=10, choices=ConsentBy.choices)
    consent_on = models.DateField(_("consent given on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.MADE
    )
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-made_on", "-id"]
        indexes = [
            models.Index(fields=["agency", "status", "made_on"], name="referral_status_idx"),
            models.Index(fields=["agency", "partner", "made_on"], name="referral_partner_idx"),
        ]

    def __str__(self):
        return f"{self.partner} · {self.made_on}"

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.CLOSED, self.Status.DECLINED)
