"""Writes of the dashboards: the annual report's narrative (the audit trail's triggers record
every version), the report's PDF rendered in the background and kept a week, and the record
that a report left the portal."""

import logging
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sro_portal.accounts.models import AGENCY_WIDE_ROLES, SchoolYear
from sro_portal.audit.models import AccessEvent
from sro_portal.audit.services import export_record
from sro_portal.core.uploads import PDF, private_name
from sro_portal.dashboards import report
from sro_portal.dashboards.models import (
    REPORT_ERROR_MAX_LENGTH,
    REPORT_FILE_DAYS,
    REPORT_STALE_MINUTES,
    AnnualNarrative,
    ReportFile,
)

logger = logging.getLogger(__name__)
IN_PROGRESS = (ReportFile.Status.PENDING, ReportFile.Status.RUNNING)


def _require_program_user(actor) -> None:
    if (
        not actor.is_authenticated
        or not actor.is_active
        or actor.agency_id is None
        or actor.role not in AGENCY_WIDE_ROLES
    ):
        raise PermissionDenied


@transaction.atomic
def narrative_save(*, actor, year_start: date, text: str) -> AnnualNarrative:
    """Create or replace the narrative of the actor's agency for the school year that starts on
    `year_start` (supervisors and agency admins only). An empty text is kept as empty: the
    report then says no narrative was written."""
    _require_program_user(actor)
    agency = actor.agency
    year = agency.school_year_for(year_start)
    if year.start != year_start or year_start > agency.today():
        raise ValidationError({"year_start": _("This is not the start of a school year.")})
    text = text.replace("\r\n", "\n").strip()
    # Validate before anything is written (the text's length, the author's agency).
    AnnualNarrative(
        agency_id=actor.agency_id, year_start=year_start, text=text, written_by=actor
    ).full_clean(validate_unique=False, validate_constraints=False)
    # Row lock on an existing narrative; get_or_create absorbs two first saves racing to insert.
    narrative, created = AnnualNarrative.objects.select_for_update().get_or_create(
        agency_id=actor.agency_id,
        year_start=year_start,
        defaults={"text": text, "written_by": actor},
    )
    if not created:
        narrative.text = text
        narrative.written_by = actor
        narrative.save(update_fields=["text", "written_by", "updated_at"])
    return narrative


# --- The report's PDF, in the background -------------------------------------------------------


@transaction.atomic
def report_file_request(*, actor, year: SchoolYear, language: str) -> ReportFile:
    """Start rendering the report of `year` in `language` for the actor's agency, or, when one is
    already pending or running, return that one. The rendering is a Celery task, queued after
    commit with the request's agency (sro_portal/celery.py)."""
    from sro_portal.dashboards import tasks  # tasks import this module

    _require_program_user(actor)
    same_report = ReportFile.objects.filter(
        agency_id=actor.agency_id, year_start=year.start, language=language
    )
    # A request left pending or running this long lost its worker: it no longer blocks.
    stale = timezone.now() - timedelta(minutes=REPORT_STALE_MINUTES)
    same_report.filter(status__in=IN_PROGRESS, created_at__lt=stale).update(
        status=ReportFile.Status.FAILED,
        error="Timeout",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    running = same_report.filter(status__in=IN_PROGRESS).first()
    if running is not None:
        return running
    try:
        with transaction.atomic():
            report_file = ReportFile.objects.create(
                agency_id=actor.agency_id,
                year_start=year.start,
                language=language,
                requested_by=actor,
            )
    except IntegrityError:  # another click started it in the meantime (it may be done already)
        return same_report.order_by("-created_at").first()
    tasks.report_file_render_task.delay_on_commit(report_file.pk)
    return report_file


def report_file_render(*, report_file_id: int) -> ReportFile | None:
    """The task's work: claim the pending request, render its PDF as its requester sees the
    report (in the language asked), store it privately, and mark it done, or failed with the
    error's kind (never its message, which could quote a row). None if it was not pending."""
    claimed = ReportFile.objects.filter(pk=report_file_id, status=ReportFile.Status.PENDING).update(
        status=ReportFile.Status.RUNNING, updated_at=timezone.now()
    )
    if not claimed:  # done by another delivery of the task, or given up as stale
        return None
    report_file = ReportFile.objects.select_related("agency", "requested_by").get(pk=report_file_id)
    year = report_file.agency.school_year_for(report_file.year_start)
    try:
        _require_program_user(report_file.requested_by)  # still allowed to see the report
        with translation.override(report_file.language):
            annual = report.build_report(user=report_file.requested_by, year=year)
            pdf = report.report_pdf(annual)
    except Exception as error:  # any failure is shown to the requester, as failed
        logger.warning("Annual report %s failed: %s", report_file.pk, type(error).__name__)
        _report_file_finish(report_file, status=ReportFile.Status.FAILED, error=error)
        return report_file
    name = private_name(f"annual-reports/{report_file.agency_id}", PDF)
    report_file.file = default_storage.save(name, ContentFile(pdf))
    report_file.table_rows = _table_rows(annual)
    report_file.school_ids = [school.school_id for school in annual.schools]
    _report_file_finish(report_file, status=ReportFile.Status.DONE)
    return report_file


def _report_file_finish(report_file: ReportFile, *, status: str, error=None) -> None:
    """Compare-and-swap from running: a request given up as stale meanwhile keeps its state
    (and the file just written is removed)."""
    report_file.status = status
    report_file.finished_at = timezone.now()
    report_file.error = type(error).__name__[:REPORT_ERROR_MAX_LENGTH] if error else ""
    finished = ReportFile.objects.filter(
        pk=report_file.pk, status=ReportFile.Status.RUNNING
    ).update(
        status=status,
        file=report_file.file.name or "",
        table_rows=report_file.table_rows,
        school_ids=report_file.school_ids,
        finished_at=report_file.finished_at,
        error=report_file.error,
        updated_at=report_file.finished_at,
    )
    if not finished and report_file.file:
        default_storage.delete(report_file.file.name)


def report_files_purge(agency_id: int | None) -> int:
    """Delete the agency's report files (rows and PDFs) older than REPORT_FILE_DAYS; the PDFs
    go once the rows' deletion is committed. None: every agency's (SQLite, where
    rls.agencies_in_turn() takes them all at once)."""
    cutoff = timezone.now() - timedelta(days=REPORT_FILE_DAYS)
    with transaction.atomic():
        old = ReportFile.objects.filter(created_at__lt=cutoff)
        if agency_id is not None:
            old = old.filter(agency_id=agency_id)
        names = [name for name in old.values_list("file", flat=True) if name]
        deleted, _counts = old.delete()
        transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
    return deleted


def _table_rows(annual) -> int:
    """The rows of the tables the report prints, in the agency's chapter (the school pages print
    figures): what the audit record of a download counts."""
    return sum(len(table.rows) for section in annual.overall for table in section.tables)


def report_export_record(*, actor, report_file: ReportFile) -> AccessEvent:
    """Record in the audit trail that `actor` downloaded the annual report: an export of the
    agency's figures, with the year and school ids, never a name."""
    _require_program_user(actor)
    year = actor.agency.school_year_for(report_file.year_start)
    return export_record(
        actor=actor,
        what="report/annual",
        rows=report_file.table_rows,
        filters={
            "year": year.label,
            "start": year.start.isoformat(),
            "end": year.end.isoformat(),
            "schools": report_file.school_ids,
            "format": "pdf",
        },
    )
