"""Agencies (the tenants), users with one role each, and invitations."""

import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sro_portal.audit.tracking import audited
from sro_portal.tenancy import TenantModel


def _language_choices():
    return list(settings.LANGUAGES)


def _time_zone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def _month_field(verbose_name, default):
    return models.PositiveSmallIntegerField(
        verbose_name, default=default, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )


def _day_field(verbose_name, default):
    return models.PositiveSmallIntegerField(
        verbose_name, default=default, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )


@dataclass(frozen=True)
class Term:
    name: str
    start: date
    end: date


@dataclass(frozen=True)
class SchoolYear:
    start: date
    end: date
    terms: tuple[Term, ...]

    @property
    def label(self) -> str:
        return f"{self.start.year}-{self.start.year + 1}"


@audited()
class Agency(models.Model):
    """A police service's SRO program: the tenant. Platform staff create agencies."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.DEFAULT_AGENCY_TIME_ZONE,
        choices=_time_zone_choices,
    )
    # The school year and its two terms, as month/day pairs (Alberta default: September 1 to
    # June 30, the second term starting February 1).
    school_year_start_month = _month_field(_("school year starts (month)"), 9)
    school_year_start_day = _day_field(_("school year starts (day)"), 1)
    second_term_start_month = _month_field(_("second term starts (month)"), 2)
    second_term_start_day = _day_field(_("second term starts (day)"), 1)
    school_year_end_month = _month_field(_("school year ends (month)"), 6)
    school_year_end_day = _day_field(_("school year ends (day)"), 30)
    # How long records of diversion other than extrajudicial sanctions (whose period the YCJA
    # sets: two years after consent) stay reachable. No default: until set, nothing expires.
    retention_months_other_measures = models.PositiveSmallIntegerField(
        _("access period of other diversion records (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "Extrajudicial measures other than sanctions, and school-administered agreements, "
            "counted from consent. Sanctions: two years, set by the Youth Criminal Justice Act."
        ),
    )
    # Blank: each user's browser decides (sro_portal.i18n.UserLanguageMiddleware).
    default_language = models.CharField(
        _("default language"),
        max_length=8,
        choices=_language_choices,
        blank=True,
        help_text=_(
            "The language of the portal and its emails for members who have not chosen one. "
            "Blank: each member's browser decides."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def today(self) -> date:
        """Today's date where the agency is (not where the server is)."""
        return timezone.localdate(timezone=self.tzinfo)

    def clean(self):
        super().clean()
        # 2001 is not a leap year: February 29 is refused, as it would not exist most years.
        pairs = {
            "school_year_start_day": (self.school_year_start_month, self.school_year_start_day),
            "second_term_start_day": (self.second_term_start_month, self.second_term_start_day),
            "school_year_end_day": (self.school_year_end_month, self.school_year_end_day),
        }
        errors = {}
        for field, (month, day) in pairs.items():
            try:
                date(2001, month, day)
            except (TypeError, ValueError, OverflowError):  # OverflowError: a huge number
                errors[field] = _("This day does not exist in that month.")
        if errors:
            raise ValidationError(errors)

    def school_year_for(self, day: date) -> SchoolYear:
        """The school year (with its two terms) that contains `day`; a day of the summer break
        belongs to the school year that just ended."""
        start_year = day.year
        if (day.month, day.day) < (self.school_year_start_month, self.school_year_start_day):
            start_year -= 1
        start = date(start_year, self.school_year_start_month, self.school_year_start_day)
        second = self._next_date(start, self.second_term_start_month, self.second_term_start_day)
        end = self._next_date(start, self.school_year_end_month, self.school_year_end_day)
        terms = (
            Term(str(_("Fall term")), start, second - timedelta(days=1)),
            Term(str(_("Winter/spring term")), second, end),
        )
        return SchoolYear(start=start, end=end, terms=terms)

    @staticmethod
    def _next_date(after: date, month: int, day: int) -> date:
        candidate = date(after.year, month, day)
        return candidate if candidate > after else date(after.year + 1, month, day)


class Role(models.TextChoices):
    ADMIN = "admin", _("Agency admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    SRO = "sro", _("School resource officer")
    SCHOOL = "school", _("School admin")


POLICE_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.SRO})
AGENCY_WIDE_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("Users need an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        """Platform staff: no agency, no role, the Django admin only."""
        extra.update(is_staff=True, is_superuser=True, agency=None, role="")
        return self.create_user(email, password, **extra)


@audited(exclude=["password", "last_login"])
class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Agency users have one agency and one role; platform staff have
    neither and use only the Django admin."""

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("agency"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    # Blank: the agency's default language, else the browser's (sro_portal.i18n).
    language = models.CharField(_("language"), max_length=8, choices=_language_choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("platform staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        indexes = [models.Index(fields=["agency", "role"], name="user_agency_role_idx")]
        constraints = [
            # Platform staff have no agency and no role; agency users have both, and never
            # reach the Django admin (which would show every agency).
            models.CheckConstraint(
                condition=(
                    Q(agency__isnull=True, role="")
                    | (Q(agency__isnull=False, is_staff=False, is_superuser=False) & ~Q(role=""))
                ),
                name="user_agency_and_role_together",
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        # Names here often start with a rank ("Cst.", "S/Sgt."): the whole name reads best.
        return self.full_name or self.email

    @property
    def is_platform_staff(self) -> bool:
        return self.agency_id is None and self.is_staff

    @property
    def is_police(self) -> bool:
        return self.role in POLICE_ROLES

    @property
    def sees_whole_agency(self) -> bool:
        return self.role in AGENCY_WIDE_ROLES

    @property
    def is_agency_admin(self) -> bool:
        return self.role == Role.ADMIN


def _invitation_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


@audited(exclude=["key"])
class Invitation(TenantModel):
    """An agency admin's invitation of one person, with one role (and schools for a school admin).

    The emailed link carries `key` signed with SECRET_KEY (accounts.tokens); sending it again
    replaces the key, so older links stop working.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    email = models.EmailField(_("email"))
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    schools = models.ManyToManyField(
        "schools.School", blank=True, related_name="+", verbose_name=_("schools")
    )
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,  # platform staff's invitation of an agency's first admin
        related_name="+",
        verbose_name=_("invited by"),
    )
    expires_at = models.DateTimeField(_("expires"), default=_invitation_expiry)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agency", "-created_at"], name="invitation_agency_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            ),
        ]

    def __str__(self):
        return self.email

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING
