"""Forms of the police side of the incident log. Every choice of a school, student or person is
scoped in __init__ from a selector (a ModelChoiceField's default would offer every row).

Times are typed on the agency's wall clock: the middleware activates the agency's time zone, and
`timezone.make_aware` reads the typed date and time in it.
"""

from datetime import date, datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import (
    Category,
    Disclosure,
    Incident,
    InvolvementRole,
    Location,
    Reporter,
    Response,
    Severity,
)
from officers.selectors import student_qs_for
from schools.selectors import school_qs_for
from sro_portal.accounts.models import Role
from sro_portal.accounts.selectors import colleague_qs_for
from sro_portal.core.forms import RowChoiceField

POLICE = (Role.ADMIN, Role.SUPERVISOR, Role.SRO)


def _helper(
    label, *, action: str | None = None, css_class: str = "btn-primary", css_id: str = "submit"
) -> FormHelper:
    """A form with one button. The detail page holds several forms: each button gets its own id
    (`css_id`), and each form its own field ids (`auto_id`)."""
    helper = FormHelper()
    if action is not None:
        helper.form_action = action
    button = Submit("submit", label, css_id=css_id)
    button.field_classes = f"btn {css_class}"
    helper.add_input(button)
    return helper


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class StudentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, student):
        return f"{student.last_name}, {student.first_name} ({student.date_of_birth:%Y-%m-%d})"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user} ({user.get_role_display()})"


def form_error(form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Show a service's refusal next to the field it names (`fields` maps a model field to the
    form field that holds it), or above the form."""
    fields = fields or {}
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            name = fields.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- The list's filters -------------------------------------------------------------------------


class IncidentFilterForm(forms.Form):
    """Filters read from the query string: none of them is a name. A value that does not parse is
    shown as an error and ignored."""

    school = RowChoiceField(label=_("School"), queryset=None, required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = school_qs_for(actor).order_by("name")
        self.fields["school"].empty_label = _("All my schools")
        self.fields["category"].choices = [("", _("Any category")), *Category.choices]
        self.fields["status"].choices = [("", _("Any status")), *Incident.Status.choices]
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css + (" is-invalid" if name in self.errors else "")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned


# --- Incidents ----------------------------------------------------------------------------------

# The service's field names -> this form's fields that hold them.
INCIDENT_ERROR_FIELDS = {"occurred_at": "occurred_on", "occurred_until": "until_on"}


class IncidentForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=None)
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput)
    occurred_time = forms.TimeField(label=_("Time"), widget=TimeInput)
    until_on = forms.DateField(
        label=_("Until (date)"),
        widget=DateInput,
        required=False,
        help_text=_("For something that went on for a while. Leave empty for the same day."),
    )
    until_time = forms.TimeField(label=_("Until (time)"), widget=TimeInput, required=False)
    location = forms.ChoiceField(label=_("Where"), choices=Location.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    school_summary = forms.CharField(
        label=_("Summary for the school"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What the school's administrators see. Name no student and nobody else involved."
        ),
    )
    narrative = forms.CharField(
        label=_("Police narrative"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Police roles only. The school never sees it."),
    )
    reported_by = forms.ChoiceField(label=_("Reported by"), choices=Reporter.choices)
    file_number = forms.CharField(
        label=_("Records-system file number"),
        max_length=40,
        required=False,
        help_text=_("The agency's own file number, if one was opened."),
    )

    def __init__(self, *args, actor, incident: Incident | None = None, **kwargs):
        if incident is not None:
            kwargs.setdefault("initial", _incident_initial(incident))
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = (
            school_qs_for(actor).filter(is_active=True).order_by("name")
        )
        if incident is not None:
            # An incident stays at its school (the service does not move it): shown, not sent.
            self.fields["school"].queryset = school_qs_for(actor).filter(pk=incident.school_id)
            self.fields["school"].disabled = True
        elif not self.is_bound and not self.initial.get("school"):
            only = list(self.fields["school"].queryset[:2])
            if len(only) == 1:  # an SRO at one school: chosen already
                self.initial["school"] = only[0].pk
        self.helper = _helper(_("Save the incident"))
        self.helper.layout = Layout(
            "school",
            Div(
                Div("occurred_on", css_class="col-sm-6"),
                Div("occurred_time", css_class="col-sm-6"),
                css_class="row",
            ),
            Div(
                Div("until_on", css_class="col-sm-6"),
                Div("until_time", css_class="col-sm-6"),
                css_class="row",
            ),
            Div(
                Div("location", css_class="col-sm-4"),
                Div("category", css_class="col-sm-4"),
                Div("severity", css_class="col-sm-4"),
                css_class="row",
            ),
            "school_summary",
            "narrative",
            Div(
                Div("reported_by", css_class="col-sm-6"),
                Div("file_number", css_class="col-sm-6"),
                css_class="row",
            ),
        )

    def clean(self):
        cleaned = super().clean()
        day, at = cleaned.get("occurred_on"), cleaned.get("occurred_time")
        until_on, until_time = cleaned.get("until_on"), cleaned.get("until_time")
        if until_on and not until_time:
            self.add_error("until_time", _("Give the time it ended, too."))
        if not (day and at):
            return cleaned
        now = timezone.now()
        start = self.occurred_at()
        if start > now:
            field = "occurred_on" if day > timezone.localdate() else "occurred_time"
            self.add_error(field, _("An incident cannot be recorded before it happens."))
        end = self.occurred_until()
        if end is not None:
            field = "until_on" if until_on else "until_time"
            if end < start:
                self.add_error(field, _("The end is before the start."))
            elif end > now:
                self.add_error(field, _("The end is in the future."))
        return cleaned

    def occurred_at(self) -> datetime:
        """The date and time typed, read on the agency's clock (the active time zone)."""
        return timezone.make_aware(
            datetime.combine(self.cleaned_data["occurred_on"], self.cleaned_data["occurred_time"])
        )

    def occurred_until(self) -> datetime | None:
        until_time = self.cleaned_data.get("until_time")
        if until_time is None:
            return None
        day = self.cleaned_data.get("until_on") or self.cleaned_data["occurred_on"]
        return timezone.make_aware(datetime.combine(day, until_time))

    def incident_fields(self) -> dict:
        """What the services take, by their own names (the school apart)."""
        data = self.cleaned_data
        return {
            "occurred_at": self.occurred_at(),
            "occurred_until": self.occurred_until(),
            "location": data["location"],
            "category": data["category"],
            "severity": data["severity"],
            "school_summary": data["school_summary"],
            "narrative": data["narrative"],
            "reported_by": data["reported_by"],
            "file_number": data["file_number"],
        }


def _incident_initial(incident: Incident) -> dict:
    start = timezone.localtime(incident.occurred_at)
    initial = {
        "school": incident.school_id,
        "occurred_on": start.date(),
        "occurred_time": start.time().replace(second=0, microsecond=0),
        "location": incident.location,
        "category": incident.category,
        "severity": incident.severity,
        "school_summary": incident.school_summary,
        "narrative": incident.narrative,
        "reported_by": incident.reported_by,
        "file_number": incident.file_number,
    }
    if incident.occurred_until is not None:
        end = timezone.localtime(incident.occurred_until)
        initial["until_on"] = end.date()
        initial["until_time"] = end.time().replace(second=0, microsecond=0)
    return initial


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Incident.Status.choices)
    closing_note = forms.CharField(
        label=_("Closing note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to close: how the incident was resolved. The school sees it."),
    )

    def __init__(self, *args, incident: Incident, **kwargs):
        kwargs.setdefault(
            "initial", {"status": incident.status, "closing_note": incident.closing_note}
        )
        kwargs.setdefault("auto_id", "id_status_%s")
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _("Save the status"),
            action=reverse("incidents:status", args=[incident.pk]),
            css_class="btn-outline-primary",
            css_id="submit-status",
        )

    def clean(self):
        cleaned = super().clean()
        closing = cleaned.get("status") == Incident.Status.CLOSED
        if closing and not cleaned.get("closing_note", "").strip():
            self.add_error("closing_note", _("Say how the incident was closed."))
        return cleaned


# --- People involved ----------------------------------------------------------------------------


class PersonForm(forms.Form):
    """A student of the incident's school, or someone else by name: one of the two."""

    role = forms.ChoiceField(label=_("Role"), choices=InvolvementRole.choices)
    student = StudentChoiceField(
        label=_("Student"),
        queryset=None,
        required=False,
        help_text=_("A student of the incident's school."),
    )
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        help_text=_("Who they are: a parent, a former student, someone from outside..."),
    )
    age = forms.IntegerField(
        label=_("Age at the time"),
        min_value=0,
        max_value=120,
        required=False,
        help_text=_("If known. Someone 12 to 17, or of unknown age, is protected as a youth."),
    )

    def __init__(self, *args, actor, incident: Incident, **kwargs):
        kwargs.setdefault("auto_id", "id_person_%s")
        super().__init__(*args, **kwargs)
        on_the_incident = incident.people.filter(student__isnull=False).values("student_id")
        students = (
            student_qs_for(actor)
            .filter(school_id=incident.school_id)
            .exclude(pk__in=on_the_incident)
            .order_by("last_name", "first_name", "pk")
        )
        self.fields["student"].queryset = students
        self.fields["student"].empty_label = _("(not a student: give a name below)")
        self.helper = _helper(
            _("Add the person"),
            action=reverse("incidents:person_add", args=[incident.pk]),
            css_id="submit-person",
        )
        self.helper.layout = Layout(
            "role",
            "student",
            Fieldset(_("Or someone who is not a student"), "name", "description", "age"),
        )

    def clean(self):
        cleaned = super().clean()
        student, name = cleaned.get("student"), cleaned.get("name", "").strip()
        cleaned["name"] = name
        if student is None and not name and "student" not in self.errors:
            self.add_error("student", _("Choose a student, or give a name: one of the two."))
        if student is not None and name:
            self.add_error("name", _("Choose a student, or give a name: not both."))
        if student is not None and cleaned.get("age") is not None:
            self.add_error("age", _("A student's age comes from their date of birth."))
        return cleaned


class ResponseForm(forms.Form):
    response = forms.ChoiceField(label=_("Response"), choices=Response.choices)
    note = forms.CharField(label=_("About the response"), max_length=500, required=False)

    def __init__(self, *args, involvement, **kwargs):
        kwargs.setdefault(
            "initial", {"response": involvement.response, "note": involvement.response_note}
        )
        # Several of these on one page: ids of their own, names the same.
        kwargs.setdefault("auto_id", f"id_person{involvement.pk}_%s")
        super().__init__(*args, **kwargs)
        self.fields["response"].choices = [("", _("Choose...")), *Response.choices]
        self.helper = _helper(
            _("Save the response"),
            action=reverse("incidents:person_response", args=[involvement.pk]),
            css_class="btn-sm btn-outline-primary",
            css_id=f"submit-response-{involvement.pk}",
        )


# --- Follow-ups ---------------------------------------------------------------------------------


class FollowUpForm(forms.Form):
    description = forms.CharField(label=_("What to do"), max_length=300)
    owner = PersonChoiceField(label=_("Who does it"), queryset=None)
    due_on = forms.DateField(label=_("Due"), widget=DateInput)

    def __init__(self, *args, actor, incident: Incident, **kwargs):
        kwargs.setdefault("initial", {"owner": actor.pk})
        kwargs.setdefault("auto_id", "id_follow_up_%s")
        super().__init__(*args, **kwargs)
        self.today = actor.agency.today()
        self.fields["owner"].queryset = colleague_qs_for(actor, roles=POLICE)
        self.helper = _helper(
            _("Add the follow-up"),
            action=reverse("incidents:follow_up_add", args=[incident.pk]),
            css_class="btn-outline-primary",
            css_id="submit-follow-up",
        )

    def clean_due_on(self):
        due_on: date = self.cleaned_data["due_on"]
        if due_on < self.today:
            raise forms.ValidationError(_("A follow-up is due today or later."))
        return due_on


# --- Disclosures --------------------------------------------------------------------------------


class DisclosureForm(forms.Form):
    recipient = PersonChoiceField(
        label=_("To"),
        queryset=None,
        help_text=_("An administrator of the incident's school, by name."),
    )
    ground = forms.ChoiceField(
        label=_("Ground (YCJA s.125(6))"),
        choices=Disclosure.Ground.choices,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("What is disclosed"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Only what the recipient needs for the ground chosen. They see these words."),
    )

    def __init__(self, *args, actor, incident: Incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = (
            colleague_qs_for(actor, roles=[Role.SCHOOL])
            .filter(
                school_memberships__school_id=incident.school_id,
                school_memberships__agency_id=actor.agency_id,
            )
            .distinct()
        )
        self.helper = _helper(_("Disclose"))
