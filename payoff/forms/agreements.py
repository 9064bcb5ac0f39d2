"""Forms of the PAYOFF agreement pages. Every choice of a student, incident, school or person is
scoped in __init__ from a selector (a ModelChoiceField's default would offer every row); the
services check again what a forged POST could get past a choice list (the co-signer's school, the
session's task, the verifier).

Dates and times are typed on the agency's clock: the middleware activates the agency's time zone,
and Django's DateTimeField reads a typed `datetime-local` value in it.
"""

import math
from datetime import date
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from incidents.forms.police import DateInput, StudentChoiceField
from incidents.models import InvolvementRole
from incidents.selectors import incident_qs_for, people_of
from officers.selectors import student_qs_for
from payoff.models import (
    Agreement,
    Basis,
    ConsentMethod,
    NextStep,
    NotificationMethod,
    Task,
    TaskKind,
)
from schools.selectors import school_qs_for
from sro_portal.accounts.models import Role
from sro_portal.accounts.selectors import colleague_qs_for
from sro_portal.core.forms import RowChoiceField


class QuarterHoursField(forms.DecimalField):
    """A quantity in quarter steps. Django's step check converts the number to a float and
    fails (a math domain error: a 500) on one too large for a float, such as "1e309": such a
    number is refused here first, with the field's usual message."""

    def validate(self, value):
        super().validate(value)
        if value is not None and not math.isfinite(value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


# What each basis means, in plain words, shown beside the choice.
BASIS_EXPLAINED = {
    Basis.SCHOOL: _(
        "School-administered: the school's own agreement, under its code of conduct. The "
        "school's administrators who are party to it see it; no police diversion record."
    ),
    Basis.MEASURE: _(
        "Extrajudicial measure (YCJA Part 1): police diversion instead of a charge, for a "
        "minor offence. A police record: police roles only."
    ),
    Basis.SANCTION: _(
        "Extrajudicial sanction (YCJA s.10): a formal program the youth consents to after "
        "being told of the right to counsel, with a chance to consult, and accepting "
        "responsibility. Not possible if the youth denies involvement or asks for court. The "
        "record becomes unreachable two years after consent (s.119(2)(a))."
    ),
}


def _helper(
    label,
    *,
    action: str | None = None,
    css_class: str = "btn-primary",
    css_id: str = "submit",
    confirm: str | None = None,
) -> FormHelper:
    """A form with one button (which asks first when `confirm` is given: portal.js reads
    data-confirm). The detail page holds several forms: each button gets its own id, and each
    form its own field ids (`auto_id`)."""
    helper = FormHelper()
    if action is not None:
        helper.form_action = action
    attrs = {"data-confirm": confirm} if confirm else {}
    button = Submit("submit", label, css_id=css_id, **attrs)
    button.field_classes = f"btn {css_class}"
    helper.add_input(button)
    return helper


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class IncidentChoiceField(forms.ModelChoiceField):
    """Incidents by number, date and category: no name."""

    def label_from_instance(self, incident):
        return (
            f"#{incident.pk} · {incident.occurred_at:%Y-%m-%d} · {incident.get_category_display()}"
        )


class ColleagueChoiceField(forms.ModelChoiceField):
    """A colleague, with the schools a school admin is linked to (prefetched)."""

    def label_from_instance(self, user):
        if user.role == Role.SCHOOL:
            schools = ", ".join(sorted(m.school.name for m in user.school_memberships.all())) or _(
                "no school"
            )
            return f"{user} ({user.get_role_display()}, {schools})"
        return f"{user} ({user.get_role_display()})"


# --- The list's filters -------------------------------------------------------------------------


class AgreementFilterForm(forms.Form):
    """Filters read from the query string: none of them is a name."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    basis = forms.ChoiceField(label=_("Basis"), required=False)
    school = RowChoiceField(label=_("School"), queryset=None, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *Agreement.Status.choices]
        bases = Basis.choices if actor.is_police else [(Basis.SCHOOL, Basis.SCHOOL.label)]
        self.fields["basis"].choices = [("", _("Any basis")), *bases]
        self.fields["school"].queryset = school_qs_for(actor).order_by("name")
        self.fields["school"].empty_label = _("All my schools")
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" + (
                " is-invalid" if name in self.errors else ""
            )


# --- Drafting -----------------------------------------------------------------------------------

# The service's field names that this form holds under another name: none today.
AGREEMENT_ERROR_FIELDS: dict[str, str] = {}


class AgreementForm(forms.Form):
    student = StudentChoiceField(label=_("Student"), queryset=None)
    incident = IncidentChoiceField(
        label=_("Incident"),
        queryset=None,
        required=False,
        help_text=_("The incident this agreement answers, if one was recorded."),
    )
    offence = forms.CharField(
        label=_("The offence, in plain words"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the youth did, as the youth and the parent will read it."),
    )
    offence_on = forms.DateField(label=_("Date of the offence"), widget=DateInput)
    officer = forms.ModelChoiceField(label=_("SRO responsible"), queryset=None)
    co_signer = ColleagueChoiceField(
        label=_("School admin co-signing"),
        queryset=None,
        required=False,
        help_text=_("An administrator of the student's school, if the school is party to it."),
    )
    basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=[(value, BASIS_EXPLAINED[value]) for value in Basis.values],
        widget=forms.RadioSelect,
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput)
    due_on = forms.DateField(label=_("To be completed by"), widget=DateInput)

    def __init__(self, *args, actor, agreement: Agreement | None = None, incident=None, **kwargs):
        if agreement is not None:
            kwargs.setdefault("initial", _agreement_initial(agreement))
        super().__init__(*args, **kwargs)
        self.today: date = actor.agency.today()
        students = student_qs_for(actor).order_by("last_name", "first_name", "pk")
        incidents = incident_qs_for(actor).order_by("-occurred_at", "-pk")
        if agreement is not None:
            # An agreement stays with its student (the service does not move it): shown, not sent.
            students = students.filter(pk=agreement.student_id)
            self.fields["student"].disabled = True
            incidents = incidents.filter(school_id=agreement.school_id)
        elif incident is not None and not self.is_bound:
            # Drafting from an incident: its subjects are the students to choose from.
            subjects = [
                person.student_id
                for person in people_of(incident)
                if person.role == InvolvementRole.SUBJECT and person.student_id
            ]
            students = students.filter(pk__in=subjects)
        self.fields["student"].queryset = students
        self.fields["incident"].queryset = incidents.select_related("school")
        self.fields["incident"].empty_label = _("(none)")
        self.fields["officer"].queryset = colleague_qs_for(actor, roles=[Role.SRO])
        self.fields["co_signer"].queryset = colleague_qs_for(
            actor, roles=[Role.SCHOOL]
        ).prefetch_related("school_memberships__school")
        self.fields["co_signer"].empty_label = _("(none)")
        label = _("Save the draft")
        self.helper = _helper(label)
        self.helper.layout = Layout(
            "student",
            "incident",
            "offence",
            Div(
                Div("offence_on", css_class="col-sm-6"),
                css_class="row",
            ),
            Div(
                Div("officer", css_class="col-sm-6"),
                Div("co_signer", css_class="col-sm-6"),
                css_class="row",
            ),
            "basis",
            Div(
                Div("starts_on", css_class="col-sm-6"),
                Div("due_on", css_class="col-sm-6"),
                css_class="row",
            ),
        )

    def clean(self):
        cleaned = super().clean()
        offence_on, starts_on, due_on = (
            cleaned.get("offence_on"),
            cleaned.get("starts_on"),
            cleaned.get("due_on"),
        )
        if offence_on and offence_on > self.today:
            self.add_error("offence_on", _("The offence cannot be in the future."))
        if offence_on and starts_on and starts_on < offence_on:
            self.add_error("starts_on", _("The agreement cannot start before the offence."))
        if starts_on and due_on and due_on < starts_on:
            self.add_error("due_on", _("The agreement must end after it starts."))
        student, incident = cleaned.get("student"), cleaned.get("incident")
        if student is not None and incident is not None:
            subjects = {
                person.student_id
                for person in people_of(incident)
                if person.role == InvolvementRole.SUBJECT
            }
            if student.pk not in subjects:
                self.add_error("incident", _("The student is not a subject of this incident."))
        return cleaned

    def draft_fields(self) -> dict:
        """What agreement_draft and agreement_update_draft take (the student apart)."""
        data = self.cleaned_data
        return {
            "basis": data["basis"],
            "incident": data["incident"],
            "offence": data["offence"],
            "offence_on": data["offence_on"],
            "officer": data["officer"],
            "co_signer": data["co_signer"],
            "starts_on": data["starts_on"],
            "due_on": data["due_on"],
        }


def _agreement_initial(agreement: Agreement) -> dict:
    return {
        "student": agreement.student_id,
        "incident": agreement.incident_id,
        "offence": agreement.offence,
        "offence_on": agreement.offence_on,
        "officer": agreement.officer_id,
        "co_signer": agreement.co_signer_id,
        "basis": agreement.basis,
        "starts_on": agreement.starts_on,
        "due_on": agreement.due_on,
    }


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of work"), choices=TaskKind.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        help_text=_("For example: repaint the east stairwell; help coach junior basketball."),
    )
    unit = forms.ChoiceField(label=_("Counted in"), choices=Task.Unit.choices)
    required = QuarterHoursField(
        label=_("Required"),
        min_value=Decimal("0.25"),
        max_value=Decimal("200"),
        decimal_places=2,
        step_size=Decimal("0.25"),
    )

    def __init__(self, *args, agreement: Agreement, **kwargs):
        kwargs.setdefault("auto_id", "id_task_%s")
        kwargs.setdefault("initial", {"unit": Task.Unit.HOURS})
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _("Add the task"),
            action=reverse("payoff:task_add", args=[agreement.pk]),
            css_class="btn-outline-primary",
            css_id="submit-task",
        )
        self.helper.layout = Layout(
            Div(
                Div("kind", css_class="col-sm-6"),
                Div("description", css_class="col-sm-6"),
                css_class="row",
            ),
            Div(
                Div("unit", css_class="col-sm-6"),
                Div("required", css_class="col-sm-6"),
                css_class="row",
            ),
        )


# --- Consent ------------------------------------------------------------------------------------


class ConsentForm(forms.Form):
    informed_at = forms.DateTimeField(
        label=_("Told what the agreement involves"),
        widget=DateTimeLocalInput,
        required=False,
        help_text=_("When the youth was told, in words they understood, what the agreement asks."),
    )
    counsel_advised_at = forms.DateTimeField(
        label=_("Advised of the right to counsel, with a chance to consult"),
        widget=DateTimeLocalInput,
        required=False,
        help_text=_("Before consent: the youth must have had a reasonable chance to consult."),
    )
    consented_at = forms.DateTimeField(
        label=_("Consented"), widget=DateTimeLocalInput, required=False
    )
    consent_method = forms.ChoiceField(label=_("How consent was given"), required=False)
    responsibility_accepted = forms.BooleanField(
        label=_("The youth accepts responsibility for the act"), required=False
    )
    denies_involvement = forms.BooleanField(label=_("The youth denies involvement"), required=False)
    requests_court = forms.BooleanField(
        label=_("The youth asks to have the matter dealt with by a court"), required=False
    )
    parent_name = forms.CharField(
        label=_("Parent or guardian notified"), max_length=150, required=False
    )
    parent_notified_at = forms.DateTimeField(
        label=_("Notified"), widget=DateTimeLocalInput, required=False
    )
    parent_notification_method = forms.ChoiceField(label=_("How"), required=False)
    statement = forms.CharField(
        label=_("The youth's statement accepting responsibility"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Optional. Kept apart from the agreement: shown to police roles only, on its own "
            "page; never printed or exported. Leave empty to keep the statement on file."
        ),
    )

    def __init__(self, *args, agreement: Agreement, **kwargs):
        kwargs.setdefault(
            "initial", {name: getattr(agreement, name) for name in CONSENT_FORM_FIELDS}
        )
        super().__init__(*args, **kwargs)
        self.fields["consent_method"].choices = [("", "—"), *ConsentMethod.choices]
        self.fields["parent_notification_method"].choices = [
            ("", "—"),
            *NotificationMethod.choices,
        ]
        self.helper = _helper(_("Save the consent record"))
        self.helper.layout = Layout(
            Fieldset(
                _("What the youth was told, and agreed to"),
                "informed_at",
                "counsel_advised_at",
                Div(
                    Div("consented_at", css_class="col-sm-6"),
                    Div("consent_method", css_class="col-sm-6"),
                    css_class="row",
                ),
                "responsibility_accepted",
                "denies_involvement",
                "requests_court",
            ),
            Fieldset(
                _("The parent or guardian"),
                "parent_name",
                Div(
                    Div("parent_notified_at", css_class="col-sm-6"),
                    Div("parent_notification_method", css_class="col-sm-6"),
                    css_class="row",
                ),
            ),
            "statement",
        )

    def consent_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in CONSENT_FORM_FIELDS}


CONSENT_FORM_FIELDS = (
    "informed_at",
    "counsel_advised_at",
    "consented_at",
    "consent_method",
    "responsibility_accepted",
    "denies_involvement",
    "requests_court",
    "parent_name",
    "parent_notified_at",
    "parent_notification_method",
)


# --- The work ledger ----------------------------------------------------------------------------


class SessionForm(forms.Form):
    task = forms.ModelChoiceField(label=_("Task"), queryset=None)
    date = forms.DateField(label=_("Date"), widget=DateInput)
    hours = QuarterHoursField(
        label=_("Hours"),
        min_value=Decimal("0.25"),
        max_value=Decimal("8"),
        decimal_places=2,
        step_size=Decimal("0.25"),
        help_text=_("From a quarter hour to 8 hours, in quarter hours."),
    )
    what_was_done = forms.CharField(label=_("What was done"), max_length=500)
    verified_by = ColleagueChoiceField(
        label=_("Verified by"),
        queryset=None,
        required=False,
        help_text=_("The SRO or school admin who supervised the work."),
    )
    verifier_name = forms.CharField(
        label=_("Or a teacher's name"),
        max_length=150,
        required=False,
        help_text=_("A teacher without an account who supervised the work."),
    )

    def __init__(self, *args, actor, agreement: Agreement, **kwargs):
        kwargs.setdefault("auto_id", "id_session_%s")
        initial = {"date": actor.agency.today()}
        if actor.role in (Role.SRO, Role.SCHOOL):
            initial["verified_by"] = actor.pk
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = agreement.tasks.all()
        if not self.is_bound and "task" not in self.initial:
            only = list(agreement.tasks.all()[:2])
            if len(only) == 1:  # one task: chosen already
                self.initial["task"] = only[0].pk
        # The adults of the agreement's school: its SROs (assigned there) and its admins.
        self.fields["verified_by"].queryset = (
            colleague_qs_for(actor, roles=[Role.SRO, Role.SCHOOL])
            .filter(
                Q(role=Role.SRO, assignments__school_id=agreement.school_id)
                | Q(role=Role.SCHOOL, school_memberships__school_id=agreement.school_id)
            )
            .distinct()
            .prefetch_related("school_memberships__school")
        )
        self.fields["verified_by"].empty_label = _("(a teacher: give the name below)")
        self.helper = _helper(
            _("Log the session"),
            action=reverse("payoff:session_add", args=[agreement.pk]),
            css_class="btn-outline-primary",
            css_id="submit-session",
        )
        self.helper.layout = Layout(
            "task",
            Div(
                Div("date", css_class="col-sm-6"),
                Div("hours", css_class="col-sm-6"),
                css_class="row",
            ),
            "what_was_done",
            Div(
                Div("verified_by", css_class="col-sm-6"),
                Div("verifier_name", css_class="col-sm-6"),
                css_class="row",
            ),
        )

    def clean(self):
        cleaned = super().clean()
        verified_by = cleaned.get("verified_by")
        name = cleaned.get("verifier_name", "").strip()
        cleaned["verifier_name"] = name
        if verified_by is None and not name and "verified_by" not in self.errors:
            self.add_error("verified_by", _("Say which adult verified the session."))
        if verified_by is not None and name:
            self.add_error("verifier_name", _("Choose a colleague or give a name: not both."))
        return cleaned


# --- How it ends --------------------------------------------------------------------------------


class NotCompletedForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the agreement was not completed"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_step = forms.ChoiceField(label=_("Next step"), choices=NextStep.choices)

    def __init__(self, *args, agreement: Agreement, **kwargs):
        kwargs.setdefault("auto_id", "id_not_completed_%s")
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _("Record as not completed"),
            action=reverse("payoff:not_completed", args=[agreement.pk]),
            css_class="btn-outline-danger",
            css_id="submit-not-completed",
            confirm=_("Close the agreement as not completed?"),
        )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the agreement is withdrawn"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, agreement: Agreement, **kwargs):
        kwargs.setdefault("auto_id", "id_withdraw_%s")
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _("Withdraw the agreement"),
            action=reverse("payoff:withdraw", args=[agreement.pk]),
            css_class="btn-outline-danger",
            css_id="submit-withdraw",
            confirm=_("Withdraw this agreement? This cannot be undone."),
        )
