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
