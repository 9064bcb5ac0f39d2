"""The annual program report: the narrative the supervisor writes, and the PDF.

Both pages are for supervisors and agency admins (403 for the other roles) and take the school
year as `?year=` (the calendar year it starts in). Everything is looked up in the user's own
agency: there is no id in these URLs, so another agency's narrative cannot be named.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from sro_portal.accounts.decorators import role_required
from sro_portal.accounts.models import Role
from sro_portal.dashboards import report, services
from sro_portal.dashboards.models import NARRATIVE_MAX_LENGTH
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
            "pdf_url": _report_url("dashboards:report_pdf", year),
        },
    )


@never_cache  # the report is for the board and the service, not for shared caches
@require_GET  # not HEAD: each download renders the PDF and is recorded
@role_required(*PROGRAM_ROLES)
def report_pdf(request: HttpRequest) -> HttpResponse:
    user = request.user
    year = report.report_year(user.agency, request.GET.get("year"))
    annual = report.build_report(user=user, year=year)
    pdf = report.report_pdf(annual)
    services.report_export_record(actor=user, report=annual)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=annual.filename
    )
    return response
