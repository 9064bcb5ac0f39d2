"""The annual program report: the narrative the supervisor writes, and the PDF.

The narrative page and the button that starts the PDF are for supervisors and agency admins
(403 for the other roles) and take the school year as `?year=` (the calendar year it starts in),
looked up in the user's own agency. The PDF of a large agency takes minutes: it is rendered by a
Celery task (services.report_file_request) while a status page polls with htmx, then downloaded
from the report file's own URL. Those two take the file's id, found in the user's agency for the
program roles only (404 for anyone else).
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sro_portal.accounts.decorators import (
    background_poll,
    recent_authentication_required,
    role_required,
)
from sro_portal.accounts.models import Role
from sro_portal.core.ratelimit import rate_limit
from sro_portal.dashboards import report, services
from sro_portal.dashboards.models import NARRATIVE_MAX_LENGTH, REPORT_FILE_DAYS, ReportFile
from sro_portal.dashboards.scope import school_years

PROGRAM_ROLES = (Role.ADMIN, Role.SUPERVISOR)


class NarrativeField(forms.CharField):
    """Browsers send line breaks as CRLF but count them as one character against `maxlength`:
    the length is checked on the text as stored (LF)."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class NarrativeForm(forms.Form):
    text = NarrativeField(
        label=gettext_lazy("Narrative"),
        required=False,
        max_length=NARRATIVE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=gettext_lazy(
            "A few paragraphs for the school board and the police service: the year's "
            "highlights, what the figures mean, what comes next. Plain text; a blank line "
            "starts a new paragraph. No student's name."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", gettext_lazy("Save narrative")))


def _report_url(name: str, year) -> str:
    return f"{reverse(name)}?year={year.start.year}"


@never_cache
@require_http_methods(["GET", "POST"])
@role_required(*PROGRAM_ROLES)
def narrative_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    year = report.report_year(user.agency, request.GET.get("year"))
    narrative = report.narrative_for(user, year_start=year.start)
    if request.method == "POST":
        form = NarrativeForm(request.POST)
        if form.is_valid():
            try:
                services.narrative_save(
                    actor=user, year_start=year.start, text=form.cleaned_data["text"]
                )
            except ValidationError as error:
                errors = getattr(error, "error_dict", {None: error.error_list})
                for field, field_errors in errors.items():
                    form.add_error(field if field in form.fields else None, field_errors)
            else:
                messages.success(
                    request,
                    _("The narrative of %(year)s is saved.") % {"year": year.label},
                )
                return redirect(_report_url("dashboards:report_narrative", year))
    else:
        form = NarrativeForm(initial={"text": narrative.text if narrative else ""})
    return render(
        request,
        "dashboards/report/narrative_form.html",
        {
            "form": form,
            "year": year,
            "years": school_years(user.agency),
            "narrative": narrative,
            "report_files": report.report_files_of_year(user, year_start=year.start),
            "start_url": _report_url("dashboards:report_start", year),
        },
    )


@require_POST
@role_required(*PROGRAM_ROLES)
@recent_authentication_required
@rate_limit("export")
def report_start(request: HttpRequest) -> HttpResponse:
    """Start the PDF of the year (or find the one already being made), in the page's language."""
    year = report.report_year(request.user.agency, request.GET.get("year"))
    report_file = services.report_file_request(
        actor=request.user, year=year, language=translation.get_language()
    )
    return redirect("dashboards:report_file", pk=report_file.pk)


@never_cache
@background_poll
def report_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The report file's status; htmx asks again every 3 s until it is done or failed (the
    fragment it gets back stops asking)."""
    report_file = report.report_file_get(user=request.user, pk=pk)
    # After the lookup: another agency's id is a 404 whatever the method.
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    year = request.user.agency.school_year_for(report_file.year_start)
    template = "dashboards/report/file_status.html"
    return render(
        request,
        f"{template}#status" if request.htmx else template,
        {
            "report_file": report_file,
            "year": year,
            "days": REPORT_FILE_DAYS,
            "narrative_url": _report_url("dashboards:report_narrative", year),
            "start_url": _report_url("dashboards:report_start", year),
        },
    )


@never_cache  # the report is for the board and the service, not for shared caches
@recent_authentication_required
@rate_limit("export")
def report_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF as an attachment; each download is recorded in the audit trail."""
    report_file = report.report_file_get(user=request.user, pk=pk)
    if request.method != "GET":  # not HEAD either: each download is recorded
        return HttpResponseNotAllowed(["GET"])
    if report_file.status != ReportFile.Status.DONE or not report_file.file:
        raise Http404
    try:
        pdf = default_storage.open(report_file.file.name)
    except FileNotFoundError:  # deleted by the weekly purge meanwhile
        raise Http404 from None
    services.report_export_record(actor=request.user, report_file=report_file)
    return FileResponse(
        pdf,
        as_attachment=True,
        filename=report_file.filename,
        content_type="application/pdf",
    )
