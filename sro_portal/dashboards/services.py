"""Writes of the dashboards: the annual report's narrative (the audit trail's triggers record
every version) and the record that a report left the portal."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sro_portal.accounts.models import AGENCY_WIDE_ROLES
from sro_portal.audit.models import AccessEvent
from sro_portal.audit.services import export_record
from sro_portal.dashboards.models import AnnualNarrative


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


def report_export_record(*, actor, report) -> AccessEvent:
    """Record in the audit trail that `actor` downloaded the annual report: an export of the
    agency's figures (`rows`: the rows of the tables it prints, in the agency's chapter; the
    school pages print figures), with the year and school ids, never a name."""
    _require_program_user(actor)
    return export_record(
        actor=actor,
        what="report/annual",
        rows=sum(len(table.rows) for section in report.overall for table in section.tables),
        filters={
            "year": report.year.label,
            "start": report.year.start.isoformat(),
            "end": report.year.end.isoformat(),
            "schools": [school.school_id for school in report.schools],
            "format": "pdf",
        },
    )
