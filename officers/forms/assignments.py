from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from officers.models import Assignment, OfficerProfile
from schools.selectors import school_qs_for
from sro_portal.accounts.models import Role
from sro_portal.accounts.selectors import colleague_qs_for


class DateInput(forms.DateInput):
    input_type = "date"


def _helper(label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label))
    return helper


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["officer", "school", "kind", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput, "ends_on": DateInput}
        help_texts = {"ends_on": _("Leave empty while the assignment goes on.")}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.agency_id = actor.agency_id
        self.fields["officer"].queryset = colleague_qs_for(actor, roles=[Role.SRO])
        self.fields["school"].queryset = school_qs_for(actor).filter(is_active=True)
        self.helper = _helper(_("Save assignment"))


class OfficerProfileForm(forms.ModelForm):
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png"}),
        help_text=_("JPEG or PNG, up to 2 MB."),
    )
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)

    class Meta:
        model = OfficerProfile
        fields = ["badge_number", "rank", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save profile"))
