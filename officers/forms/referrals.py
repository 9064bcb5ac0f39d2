"""Forms for students, community partners and referrals. Every choice of a school, student or
partner is scoped to the user in __init__ (a ModelForm's default would offer every row)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from officers.models import CommunityPartner, Referral, Student
from officers.selectors import partner_qs_for, student_qs_for
from schools.selectors import school_qs_for


def _helper(label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class DateInput(forms.DateInput):
    input_type = "date"


class StudentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, student):
        return f"{student.last_name}, {student.first_name} ({student.school.name})"


# --- Students -----------------------------------------------------------------------------------


class StudentForm(forms.ModelForm):
    class Meta:
        model = Student
        fields = ["school", "first_name", "last_name", "date_of_birth", "grade", "student_number"]
        widgets = {"date_of_birth": DateInput}
        help_texts = {
            "grade": _("0 for kindergarten; leave empty if unknown."),
            "student_number": _("The school's number for the student, if you know it."),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.instance.agency_id = actor.agency_id  # the model's check that links stay inside it
        self.fields["school"].queryset = school_qs_for(actor).order_by("name")
        self.helper = _helper(_("Save student"))


# --- Community partners -------------------------------------------------------------------------


class PartnerForm(forms.ModelForm):
    class Meta:
        model = CommunityPartner
        fields = ["name", "kind", "contact_name", "email", "phone", "programs", "is_active"]
        widgets = {"programs": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.instance.agency_id = actor.agency_id
        self.helper = _helper(_("Save partner"))

    def clean_name(self):
        name = self.cleaned_data["name"]
        taken = partner_qs_for(self.actor).filter(name__iexact=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("Your agency already has a partner of this name."))
        return name


# --- Referrals ----------------------------------------------------------------------------------


class ReferralForm(forms.Form):
    student = StudentChoiceField(label=_("Student"), queryset=None)
    partner = forms.ModelChoiceField(label=_("Community partner"), queryset=None)
    made_on = forms.DateField(label=_("Made on"), widget=DateInput)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why the student is referred, and what they need from the partner."),
    )
    consent_by = forms.ChoiceField(
        label=_("Consent given by"),
        choices=Referral.ConsentBy.choices,
        widget=forms.RadioSelect,
        help_text=_("A referral is made with the student's consent, or a parent's or guardian's."),
    )
    consent_on = forms.DateField(label=_("Consent given on"), widget=DateInput)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = actor.agency.today()
        self.fields["student"].queryset = student_qs_for(actor).order_by(
            "last_name", "first_name", "pk"
        )
        self.fields["partner"].queryset = (
            partner_qs_for(actor).filter(is_active=True).order_by("name")
        )
        self.helper = _helper(_("Make the referral"))

    def clean_made_on(self):
        made_on = self.cleaned_data["made_on"]
        if made_on > self.today:
            raise forms.ValidationError(_("A referral cannot be recorded before it is made."))
        return made_on

    def clean(self):
        cleaned = super().clean()
        made_on, consent_on = cleaned.get("made_on"), cleaned.get("consent_on")
        if made_on and consent_on and consent_on > made_on:
            self.add_error("consent_on", _("Consent comes before the referral is made."))
        return cleaned


class ReferralFollowUpForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Referral.Status.choices)
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to close or decline the referral: how it ended."),
    )

    def __init__(self, *args, referral: Referral, **kwargs):
        kwargs.setdefault("initial", {"status": referral.status, "outcome": referral.outcome})
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save follow-up"))
        self.helper.form_action = reverse("officers:referral_update", args=[referral.pk])

    def clean(self):
        cleaned = super().clean()
        closing = cleaned.get("status") in (Referral.Status.CLOSED, Referral.Status.DECLINED)
        if closing and not cleaned.get("outcome", "").strip():
            self.add_error("outcome", _("Say how it ended before closing the loop."))
        return cleaned
