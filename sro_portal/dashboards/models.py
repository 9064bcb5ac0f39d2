"""What the dashboards store: the supervisor's narrative of the annual program report.

Every figure of the dashboards is computed from the domain apps' rows; the only words a person
writes for the report are its narrative, one per agency and school year.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sro_portal.audit.tracking import audited
from sro_portal.tenancy import TenantModel

NARRATIVE_MAX_LENGTH = 6000


@audited()
class AnnualNarrative(TenantModel):
    """The short narrative a supervisor or agency admin writes for a school year's report.

    `year_start` is the first day of the school year on the agency's calendar
    (`Agency.school_year_for(...).start`); `updated_at` (from TenantModel) is when it was last
    saved, and `written_by` who saved it last (the audit trail keeps every earlier version).
    """

    year_start = models.DateField(_("school year start"))
    text = models.TextField(_("narrative"), max_length=NARRATIVE_MAX_LENGTH, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )

    class Meta:
        verbose_name = _("annual report narrative")
        verbose_name_plural = _("annual report narratives")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year_start"], name="dashboards_narrative_agency_year_uniq"
            )
        ]

    def __str__(self):
        return f"narrative {self.year_start.year}-{self.year_start.year + 1}"


# A report file is kept this long, then deleted with its row (dashboards.tasks).
REPORT_FILE_DAYS = 7
# A request still pending or running after this long is taken as lost (its worker died): the
# next click starts a new one instead of showing it.
REPORT_STALE_MINUTES = 30
REPORT_ERROR_MAX_LENGTH = 200


@audited()
class ReportFile(TenantModel):
    """The annual report's PDF of one school year, rendered in the background (a large agency's
    takes minutes) and kept privately (MEDIA_ROOT, generated name) for REPORT_FILE_DAYS.

    One request runs at a time per agency, school year and language: a second click while one
    is pending or running shows that one. `table_rows` and `school_ids` are what the audit
    record of each download says about the export (sro_portal/dashboards/services.py).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Being generated")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    year_start = models.DateField(_("school year start"))
    language = models.CharField(_("language"), max_length=8)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    # Stored privately under a generated name; served by dashboards:report_file_download.
    file = models.FileField(_("file"), blank=True, max_length=200)
    table_rows = models.PositiveIntegerField(_("table rows"), default=0)
    school_ids = models.JSONField(_("schools"), default=list, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # What went wrong, in a few words (the error's kind, never its message: it could quote data).
    error = models.CharField(_("error"), max_length=REPORT_ERROR_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("annual report file")
        verbose_name_plural = _("annual report files")
        indexes = [
            models.Index(fields=["agency", "created_at"], name="dashboards_reportfile_age_idx"),
        ]
        constraints = [
            # One request in progress per agency, year and language: two clicks racing to start
            # one end with one row (the service catches the loser's IntegrityError).
            models.UniqueConstraint(
                fields=["agency", "year_start", "language"],
                condition=models.Q(status__in=["pending", "running"]),
                name="dashboards_reportfile_one_in_progress",
            )
        ]

    def __str__(self):
        return f"report {self.year_start.year}-{self.year_start.year + 1} ({self.status})"

    @property
    def filename(self) -> str:
        return f"sro-program-report-{self.year_start.year}-{self.year_start.year + 1}.pdf"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)


class FigureVersion(models.Model):
    """How many times the rows of one source dated on one day (on the agency's calendar) have
    changed: database triggers (migrations dashboards/0004 and 0005) add one for every statement
    that writes them, so MonthlyFigures can tell whether they are still exact. Written only by
    those triggers."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=16)  # rollups.SOURCES: "activity", "incident"...
    day = models.DateField()
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "source", "day"], name="dashboards_figureversion_uniq"
            )
        ]

    def __str__(self):
        return f"{self.source} {self.day}: version {self.version}"


class MonthlyFigures(models.Model):
    """One month of one source's dashboard figures for a whole agency (the current month: up to
    yesterday), as rollups computed them from the rows: exact while `version` equals the sum of
    its days' FigureVersions and `basis` the agency's settings they depend on (its time zone:
    incidents are placed on the agency's clock) and the days covered. Derived data, rebuilt on
    demand: deleting every row loses nothing."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=16)
    month = models.DateField()  # the month's first day, on the agency's calendar
    version = models.BigIntegerField()
    basis = models.CharField(max_length=100)
    figures = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "source", "month"], name="dashboards_monthlyfigures_uniq"
            )
        ]

    def __str__(self):
        return f"{self.source} {self.month:%Y-%m} (version {self.version})"
