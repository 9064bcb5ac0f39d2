"""The annual program report: one school year's figures and charts, for the agency and for each
of its schools, with the supervisor's narrative, as a PDF for the school board and the police
service.

The report reads the same sections as the dashboard (`sections.build_sections`), so a section
added to sections.py appears in the report with no change here. It is built for the program
audience (supervisors and agency admins) only.

The agency's chapter has every section's figures, charts (the dashboard's `{% chart %}`) and
tables; each school gets a page of its own figures (its sections' headline numbers): a report of
40 schools stays about 60 pages (measured here: about 12 s to lay out and write).

Work, for an agency with N active schools: 2 + S + N * S' queries, where S is the number of
queries of all the sections for the agency and S' for one school (each section's own bound):
the schools (1), the narrative (1), the sections for the agency, then once per school. Linear in
the number of schools, constant in the number of rows; a school's Scope is the agency's with
its id (no query to build it). The PDF is rendered from one HTML document by WeasyPrint, which
fetches nothing over the network (`StaticFilesOnly`). A large agency's report takes minutes:
it is rendered by a Celery task and kept a week (services.report_file_request, ReportFile).
"""

import mimetypes
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import unquote, urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation
from django.http import Http404
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from schools.selectors import school_qs_for
from sro_portal.accounts.models import AGENCY_WIDE_ROLES, SchoolYear
from sro_portal.dashboards.models import AnnualNarrative, ReportFile
from sro_portal.dashboards.scope import Audience, Scope, scope_for
from sro_portal.dashboards.sections import build_sections
from sro_portal.dashboards.tables import Section
from sro_portal.tenancy import get_in_scope_or_404

# The first school year a report can be asked for (older years are a typo, not a report).
FIRST_YEAR = 2000
# The document's base URL: relative and root-relative links resolve here, and the fetcher
# serves only `STATIC_URL` under it. `.invalid` never resolves (RFC 2606).
BASE_URL = "https://report.sro-portal.invalid/"


@dataclass
class SchoolReport:
    school_id: int
    name: str
    sections: list[Section]

    @property
    def anchor(self) -> str:
        return f"school-{self.school_id}"


@dataclass
class AnnualReport:
    agency_name: str
    year: SchoolYear
    scope: Scope
    narrative: AnnualNarrative | None
    overall: list[Section]
    schools: list[SchoolReport]
    generated_on: date


# --- Reads -------------------------------------------------------------------------------------


def report_year(agency, raw: str | None) -> SchoolYear:
    """The school year named by `?year=` (the calendar year it starts in: 2026 is 2026-2027);
    the current school year when absent. Http404 for anything else: not a number, before
    FIRST_YEAR, or a school year that has not started."""
    current = agency.school_year_for(agency.today())
    if raw is None or raw == "":
        return current
    try:
        year = int(raw)
    except ValueError:
        raise Http404 from None
    if not FIRST_YEAR <= year <= current.start.year:
        raise Http404
    first_day = date(year, agency.school_year_start_month, agency.school_year_start_day)
    return agency.school_year_for(first_day)


def narrative_for(user, *, year_start: date) -> AnnualNarrative | None:
    """The narrative of the user's agency for the school year starting `year_start`."""
    if user.agency_id is None:
        return None
    return (
        AnnualNarrative.objects.filter(agency_id=user.agency_id, year_start=year_start)
        .select_related("written_by")
        .first()
    )


def report_files_of_year(user, *, year_start: date, limit: int = 5) -> list[ReportFile]:
    """The latest report files of the user's agency for the school year (program roles)."""
    if user.agency_id is None or user.role not in AGENCY_WIDE_ROLES:
        return []
    return list(
        ReportFile.objects.filter(agency_id=user.agency_id, year_start=year_start)
        .select_related("requested_by")
        .order_by("-created_at", "-pk")[:limit]
    )


def report_file_get(*, user, pk: int) -> ReportFile:
    """A report file of the user's agency, for the program roles; 404 for anyone else (another
    agency's id and a role without the report look the same)."""
    if user.agency_id is None or user.role not in AGENCY_WIDE_ROLES:
        raise Http404
    return get_in_scope_or_404(ReportFile.objects.filter(agency_id=user.agency_id), pk=pk)


def build_report(*, user, year: SchoolYear) -> AnnualReport:
    """Every figure of the report for `year`: the agency's sections, then each active school's
    (see the module's docstring for the number of queries)."""
    if user.agency_id is None or user.role not in AGENCY_WIDE_ROLES:
        raise PermissionDenied
    agency = user.agency
    overall_scope = scope_for(user, start=year.start, end=year.end, params={"year": year.label})
    if overall_scope.audience != Audience.PROGRAM:  # scope_for's rules, checked twice
        raise PermissionDenied
    schools = list(
        school_qs_for(user).filter(is_active=True).order_by("name", "pk").values_list("pk", "name")
    )
    return AnnualReport(
        agency_name=agency.name,
        year=year,
        scope=overall_scope,
        narrative=narrative_for(user, year_start=year.start),
        overall=build_sections(overall_scope),
        schools=[
            SchoolReport(
                school_id=pk,
                name=name,
                sections=build_sections(replace(overall_scope, school_ids=(pk,))),
            )
            for pk, name in schools
        ],
        generated_on=agency.today(),
    )


# --- The document ------------------------------------------------------------------------------


def report_html(report: AnnualReport) -> str:
    """The HTML the PDF is made from (print CSS inline: CSP does not apply to a PDF)."""
    return render_to_string("dashboards/report/report.html", {"report": report})


def report_document(report: AnnualReport):
    """The laid-out WeasyPrint document (its `.pages`, then `.write_pdf()`)."""
    return HTML(
        string=report_html(report), base_url=BASE_URL, url_fetcher=StaticFilesOnly()
    ).render()


def report_pdf(report: AnnualReport) -> bytes:
    """The PDF, tagged (headings, tables and reading order for screen readers)."""
    return report_document(report).write_pdf(pdf_tags=True)


class StaticFilesOnly(URLFetcher):
    """WeasyPrint's fetcher for the report: the project's static files, read from disk through
    the staticfiles finders, and `data:` URIs; everything else (http, file, other hosts) is
    refused, so rendering never touches the network or files outside the static directories.

    Templates name static files with `{% get_static_prefix %}` rather than `{% static %}`: the
    finders know the source names, not the hashed names of the manifest storage.
    """

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        name = static_name(url)
        path = None
        if name:
            try:
                path = finders.find(name)
            except SuspiciousFileOperation:
                path = None
        if not path:
            raise ValueError(f"The report loads static files only, not {url!r}.")
        with open(path, "rb") as file:
            body = file.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def static_name(url: str) -> str | None:
    """The static file's name in `url` (under BASE_URL + STATIC_URL), or None."""
    prefix = urljoin(BASE_URL, settings.STATIC_URL)
    if not url.startswith(prefix):
        return None
    name = unquote(url[len(prefix) :].split("?", 1)[0].split("#", 1)[0])
    if not name or name.startswith("/") or "\\" in name or ".." in name.split("/"):
        return None
    return name
