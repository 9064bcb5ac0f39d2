from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from sro_portal.accounts.models import Agency, Role, User
from sro_portal.accounts.school_links import schools_of_agency


def _helper(submit_label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", submit_label))
    return helper


class SchoolsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, school):
        return f"{school.name} ({school.board.name})"


class _RoleAndSchoolsForm(forms.Form):
    """Role, and the schools a school admin is linked to (scoped to the actor's agency)."""

    role = forms.ChoiceField(label=_("Role"), choices=[("", _("Choose a role")), *Role.choices])
    schools = SchoolsField(
        label=_("Schools"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For a school admin: the schools they administer."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = schools_of_agency(actor.agency_id).filter(is_active=True)

    def clean(self):
        cleaned = super().clean()
        role, schools = cleaned.get("role"), cleaned.get("schools")
        if role == Role.SCHOOL and not schools:
            self.add_error("schools", _("Choose at least one school for a school admin."))
        if role and role != Role.SCHOOL and schools:
            self.add_error("schools", _("Only school admins are linked to schools."))
        return cleaned


class InvitationForm(_RoleAndSchoolsForm):
    email = forms.EmailField(label=_("Email"), max_length=254)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    field_order = ["email", "full_name", "role", "schools"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Send invitation"))


class MemberForm(_RoleAndSchoolsForm):
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    field_order = ["full_name", "role", "schools"]

    def __init__(self, *args, member: User, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "full_name": member.full_name,
                "role": member.role,
                "schools": [link.school for link in member.school_memberships.all()],
            },
        )
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save changes"))


class AcceptInvitationForm(forms.Form):
    """The invitee names themself and chooses a password."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation, **kwargs):
        kwargs.setdefault("initial", {"full_name": invitation.full_name})
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.helper = _helper(_("Create my account"))

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            # Validate against the account-to-be, so a password like the email is refused.
            candidate = User(email=self.invitation.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AgencySettingsForm(forms.ModelForm):
    """What an agency admin sets for their agency: its clock and its school calendar."""

    class Meta:
        model = Agency
        fields = [
            "time_zone",
            "school_year_start_month",
            "school_year_start_day",
            "second_term_start_month",
            "second_term_start_day",
            "school_year_end_month",
            "school_year_end_day",
            "retention_months_other_measures",
            "default_language",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save settings"))


class LanguageForm(forms.ModelForm):
    """A member's own language; blank follows the agency's default (else the browser)."""

    class Meta:
        model = User
        fields = ["language"]
        widgets = {"language": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agency = self.instance.agency
        default = agency.get_default_language_display() if agency else ""
        follow = (
            _("My agency's default (%(language)s)") % {"language": default}
            if default
            else _("My browser's language")
        )
        self.fields["language"].choices = [("", follow), *settings.LANGUAGES]
        self.fields["language"].label = _("Language of the portal and of my emails")
        self.helper = _helper(_("Save"))
