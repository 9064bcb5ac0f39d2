"""Forms of the schools app. Every choice of a school, board or person is scoped to the user in
__init__ (a ModelForm's default would offer every row of the table)."""

from datetime import datetime, timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import DrillKind, DrillRule, School, SchoolBoard
from schools.selectors import board_qs_for, school_qs_for
from sro_portal.accounts.models import Role
from sro_portal.accounts.selectors import colleague_qs_for


def _helper(label, *, form_tag=True) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = form_tag
    if form_tag:
        helper.add_input(Submit("submit", label))
    return helper


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user} ({user.get_role_display()})"


# --- Boards and schools (agency admins) ---------------------------------------------------------


class SchoolBoardForm(forms.ModelForm):
    class Meta:
        model = SchoolBoard
        fields = ["name", "phone", "website"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.agency_id = actor.agency_id  # for the model's uniqueness check
        # The page wraps this form and the drill rules in one <form> with one button.
        self.helper = _helper(None, form_tag=False)


class SchoolForm(forms.ModelForm):
    class Meta:
        model = School
        fields = [
            "name",
            "board",
            "address",
            "grade_from",
            "grade_to",
            "phone",
            "principal_name",
            "principal_email",
            "principal_phone",
            "vice_principal_name",
            "vice_principal_email",
            "vice_principal_phone",
            "is_active",
        ]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.agency_id = actor.agency_id  # for the model's uniqueness check
        self.fields["board"].queryset = board_qs_for(actor)
        self.helper = _helper(_("Save school"))


class SchoolImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 text, one school a line, with the column names on the first line."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Check the file"))
        self.helper.form_enctype = "multipart/form-data"  # crispy renders it from the file field

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload


class DrillRuleForm(forms.Form):
    """One kind of drill on a board: how many per term or per year (0 = no requirement)."""

    kind = forms.ChoiceField(choices=DrillKind.choices, widget=forms.HiddenInput)
    required = forms.IntegerField(label=_("Required"), min_value=0, max_value=20)
    period = forms.ChoiceField(label=_("Per"), choices=DrillRule.Period.choices)
    unannounced_required = forms.IntegerField(
        label=_("Of which unannounced"), min_value=0, max_value=20, initial=0
    )

    def clean(self):
        cleaned = super().clean()
        required, unannounced = cleaned.get("required"), cleaned.get("unannounced_required")
        if required is not None and unannounced is not None and unannounced > required:
            self.add_error(
                "unannounced_required", _("More unannounced drills than drills required.")
            )
        return cleaned


DrillRuleFormSet = forms.formset_factory(DrillRuleForm, extra=0, max_num=len(DrillKind))


def drill_rule_initial(rules) -> list[dict]:
    by_kind = {rule.kind: rule for rule in rules}
    initial = []
    for kind in DrillKind:
        rule = by_kind.get(kind)
        initial.append(
            {
                "kind": kind.value,
                "required": rule.required if rule else 0,
                "period": rule.period if rule else DrillRule.Period.YEAR,
                "unannounced_required": rule.unannounced_required if rule else 0,
            }
        )
    return initial


# --- Drills -------------------------------------------------------------------------------------


class DrillPlanForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=None)
    kind = forms.ChoiceField(label=_("Drill"), choices=DrillKind.choices)
    planned_on = forms.DateField(label=_("Date"), widget=DateInput)
    planned_time = forms.TimeField(label=_("Time"), widget=TimeInput)
    announced = forms.BooleanField(
        label=_("Announced beforehand"),
        required=False,
        initial=True,
        help_text=_("Untick for an unannounced drill."),
    )
    leader = PersonChoiceField(label=_("Led by"), queryset=None, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = school_qs_for(actor).filter(is_active=True)
        self.fields["leader"].queryset = colleague_qs_for(
            actor, roles=[Role.SRO, Role.SCHOOL, Role.ADMIN]
        )
        self.helper = _helper(_("Save"))

    def planned_at(self) -> datetime:
        """The date and time typed, read on the agency's clock (the active time zone)."""
        naive = datetime.combine(self.cleaned_data["planned_on"], self.cleaned_data["planned_time"])
        return timezone.make_aware(naive)

    def clean_planned_on(self):
        day = self.cleaned_data["planned_on"]
        if day < timezone.localdate() - timedelta(days=365):
            raise forms.ValidationError(_("That is more than a year ago."))
        return day


class DrillRecordForm(forms.Form):
    started_on = forms.DateField(label=_("Date"), widget=DateInput)
    started_time = forms.TimeField(label=_("Started at"), widget=TimeInput)
    ended_time = forms.TimeField(label=_("Ended at"), widget=TimeInput, required=False)
    seconds_to_complete = forms.IntegerField(
        label=_("Time to complete (seconds)"),
        min_value=1,
        max_value=6 * 60 * 60,
        required=False,
        help_text=_("From the alarm to the building secured or evacuated."),
    )
    participants = forms.IntegerField(
        label=_("Participants"), min_value=0, max_value=10_000, required=False
    )
    sro_present = forms.BooleanField(label=_("An SRO was present"), required=False)
    observations = forms.CharField(
        label=_("Observations"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        help_text=_("What went well and what did not. Do not name students."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save the record"))

    def clean(self):
        cleaned = super().clean()
        day, start = cleaned.get("started_on"), cleaned.get("started_time")
        end = cleaned.get("ended_time")
        if day and day > timezone.localdate():
            self.add_error("started_on", _("A drill cannot be recorded before it happens."))
        if start and end and end < start:
            self.add_error("ended_time", _("The drill cannot end before it started."))
        return cleaned

    def started_at(self) -> datetime:
        return timezone.make_aware(
            datetime.combine(self.cleaned_data["started_on"], self.cleaned_data["started_time"])
        )

    def ended_at(self) -> datetime | None:
        end = self.cleaned_data.get("ended_time")
        if end is None:
            return None
        return timezone.make_aware(datetime.combine(self.cleaned_data["started_on"], end))


class DrillCancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Cancel the drill"))


class CorrectiveActionForm(forms.Form):
    description = forms.CharField(label=_("What must be fixed"), max_length=300)
    owner = PersonChoiceField(label=_("Who fixes it"), queryset=None)
    due_on = forms.DateField(label=_("By"), widget=DateInput)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = colleague_qs_for(actor)
        self.helper = _helper(_("Add corrective action"))


class ComplianceFilterForm(forms.Form):
    """The compliance matrix's filters (GET): a board, and only the schools needing attention.
    A large agency's matrix is hundreds of schools; its boards are how it is divided.

    The board is its id among the user's agency's boards, read as (id, name) rows: one query
    and no model instance, where a ModelChoiceField would read the boards once for the options
    and again to check the one chosen. An id of any other board is refused next to the field."""

    board = forms.TypedChoiceField(label=_("Board"), required=False, coerce=int, empty_value=None)
    attention = forms.BooleanField(label=_("Only schools at risk or behind"), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        boards = board_qs_for(actor).order_by("name", "pk").values_list("pk", "name")
        self.fields["board"].choices = [("", _("All boards")), *boards]
        self.fields["board"].widget.attrs["class"] = "form-select"
        self.fields["attention"].widget.attrs["class"] = "form-check-input"
