"""The incident log: what happened at a school, who was involved, how police responded, what
must be followed up, and what was disclosed to the school.

Youth-record rules (DESIGN.md): school admins of the school see an incident's category, time,
place, status and the summary written for the school, never who was involved, the police
narrative, the file number or the responses. They get those only through a Disclosure made to
them by name, until it is withdrawn. selectors.py is where that is enforced.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sro_portal.audit.tracking import audited
from sro_portal.tenancy import TenantModel

YOUTH_AGES = range(12, 18)  # the Youth Criminal Justice Act applies from 12 to 17


class Category(models.TextChoices):
    BULLYING = "bullying", _("Bullying")
    CYBERBULLYING = "cyberbullying", _("Cyberbullying")
    HARASSMENT = "harassment", _("Harassment or stalking")
    VANDALISM = "vandalism", _("Graffiti or vandalism")
    THEFT = "theft", _("Robbery or theft")
    WEAPONS = "weapons", _("Weapons")
    THREATS = "threats", _("Threats")
    ASSAULT = "assault", _("Assault or fight")
    DRUGS = "drugs", _("Drugs or vaping")
    TRESPASS = "trespass", _("Trespass")
    OTHER = "other", _("Other")


class Location(models.TextChoices):
    CLASSROOM = "classroom", _("Classroom")
    HALLWAY = "hallway", _("Hallway")
    WASHROOM = "washroom", _("Washroom")
    CAFETERIA = "cafeteria", _("Cafeteria")
    GYM = "gym", _("Gym or change room")
    LIBRARY = "library", _("Library")
    OFFICE = "office", _("Office")
    PARKING_LOT = "parking_lot", _("Parking lot")
    FIELD = "field", _("Field or school grounds")
    BUS = "bus", _("School bus")
    ONLINE = "online", _("Online")
    OFF_SITE = "off_site", _("Off school grounds")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Reporter(models.TextChoices):
    STAFF = "staff", _("School staff")
    STUDENT = "student", _("A student")
    PARENT = "parent", _("A parent or guardian")
    SRO = "sro", _("The SRO")
    ANONYMOUS = "anonymous", _("Anonymous")
    OTHER = "other", _("Other")


@audited()
class Incident(TenantModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FOLLOW_UP = "follow_up", _("Under follow-up")
        CLOSED = "closed", _("Closed")

    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("school")
    )
    occurred_at = models.DateTimeField(_("happened"))
    occurred_until = models.DateTimeField(
        _("until"), null=True, blank=True, help_text=_("For something that went on for a while.")
    )
    location = models.CharField(_("where"), max_length=20, choices=Location.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.LOW
    )
    school_summary = models.TextField(
        _("summary for the school"),
        max_length=2000,
        help_text=_("What the school's administrators see. Name no student."),
    )
    narrative = models.TextField(_("police narrative"), max_length=20000, blank=True)
    reported_by = models.CharField(_("reported by"), max_length=10, choices=Reporter.choices)
    file_number = models.CharField(_("records-system file number"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    closing_note = models.TextField(
        _("closing note"),
        max_length=2000,
        blank=True,
        help_text=_("The school's administrators see it. Name no student."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "school", "occurred_at"], name="incident_school_idx"),
            # Covering: the dashboard's incident figures over a period read the index alone.
            models.Index(
                fields=["agency", "occurred_at"],
                include=["category", "status", "location", "school"],
                name="incident_date_idx",
            ),
            models.Index(fields=["agency", "status", "occurred_at"], name="incident_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(occurred_until__isnull=True) | Q(occurred_until__gte=F("occurred_at")),
                name="incident_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} · {self.occurred_at:%Y-%m-%d}"

    def clean(self):
        super().clean()
        if self.occurred_at and self.occurred_until and self.occurred_until < self.occurred_at:
            raise ValidationError({"occurred_until": _("The end is before the start.")})


class InvolvementRole(models.TextChoices):
    SUBJECT = "subject", _("Subject")
    VICTIM = "victim", _("Victim")
    WITNESS = "witness", _("Witness")
    REPORTER = "reporter", _("Reporter")


class Response(models.TextChoices):
    """What police did about a subject. The diverted ones are what the program counts."""

    NO_ACTION = "no_action", _("No further action")
    WARNING = "warning", _("Warning")
    CAUTION = "caution", _("Caution")
    REFERRAL = "referral", _("Referral to a community program")
    PAYOFF = "payoff", _("PAYOFF agreement")
    SCHOOL_DISCIPLINE = "school_discipline", _("School discipline only")
    CHARGE = "charge", _("Charge recommended")


DIVERTED = frozenset({Response.WARNING, Response.CAUTION, Response.REFERRAL, Response.PAYOFF})


class Outcome(models.TextChoices):
    NO_CHARGE = "no_charge", _("No charge")
    CHARGE_CONSIDERED = "charge_considered", _("Charge to be considered")


@audited()
class Involvement(TenantModel):
    """A person involved in an incident: a student of the agency's records, or someone else by
    name and description. Only subjects get a response."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="people", verbose_name=_("incident")
    )
    role = models.CharField(_("role"), max_length=10, choices=InvolvementRole.choices)
    student = models.ForeignKey(
        "officers.Student",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("student"),
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    age = models.PositiveSmallIntegerField(
        _("age at the time"), null=True, blank=True, help_text=_("For someone not a student.")
    )
    response = models.CharField(_("response"), max_length=20, choices=Response.choices, blank=True)
    response_note = models.CharField(_("about the response"), max_length=500, blank=True)
    # Set when the response ran its course: a completed PAYOFF agreement means no charge.
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)

    class Meta:
        verbose_name = _("person involved")
        verbose_name_plural = _("people involved")
        ordering = ["role", "id"]
        indexes = [
            models.Index(fields=["agency", "incident"], name="involvement_incident_idx"),
            models.Index(fields=["agency", "student"], name="involvement_student_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(student__isnull=False) & Q(name=""))
                | (Q(student__isnull=True) & ~Q(name="")),
                name="involvement_student_or_name",
                violation_error_message=_("Choose a student, or give a name: one of the two."),
            ),
            models.CheckConstraint(
                condition=Q(role="subject") | Q(response=""),
                name="involvement_response_for_subjects",
                violation_error_message=_("Only a subject gets a response."),
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} #{self.pk}"

    def clean(self):
        super().clean()
        if self.response and self.role != InvolvementRole.SUBJECT:
            raise ValidationError({"response": _("Only a subject gets a response.")})

    def age_at_time(self) -> int | None:
        if self.student_id is not None:
            # The incident's date on the agency's calendar: late in the evening, UTC is
            # already tomorrow, and a birthday may fall in between.
            tz = self.incident.agency.tzinfo
            return self.student.age_on(self.incident.occurred_at.astimezone(tz).date())
        return self.age

    @property
    def is_youth(self) -> bool:
        """Whether the YCJA's youth-record rules apply to this person."""
        age = self.age_at_time()
        return age is None or age in YOUTH_AGES  # unknown age: protect as a youth


@audited()
class FollowUp(TenantModel):
    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("incident")
    )
    description = models.CharField(_("what to do"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["agency", "incident"], name="followup_incident_idx"),
            models.Index(fields=["agency", "due_on"], name="followup_due_idx"),
        ]

    def __str__(self):
        return self.description

    def is_overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_on < today


@audited()
class Disclosure(TenantModel):
    """A police user's disclosure of youth-record information to a named school recipient, on a
    ground of YCJA s.125(6). The recipient sees `disclosed_text` until it is withdrawn."""

    class Ground(models.TextChoices):
        SAFETY = "safety", _("The safety of staff, students or other persons")
        ORDER = "order", _("Compliance with a youth justice court order or bail condition")
        REHABILITATION = "rehabilitation", _("The rehabilitation of the young person")

    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="disclosures", verbose_name=_("incident")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="disclosures_received",
        verbose_name=_("recipient"),
    )
    ground = models.CharField(_("ground"), max_length=20, choices=Ground.choices)
    disclosed_text = models.TextField(_("what is disclosed"), max_length=4000)
    disclosed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["agency", "recipient"], name="disclosure_recipient_idx"),
            models.Index(fields=["agency", "incident"], name="disclosure_incident_idx"),
        ]

    def __str__(self):
        return f"{self.get_ground_display()} → {self.recipient_id}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None
