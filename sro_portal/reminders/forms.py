from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from sro_portal.reminders import registry


class ReminderSettingsForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        label=_("Send me an email for"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every reminder also appears under Notifications in the portal."),
    )
    daily_digest = forms.BooleanField(
        label=_("Group my emails into one a day, at 7:00"),
        required=False,
    )

    def __init__(self, *args, preferences, **kwargs):
        kinds = registry.all_kinds()
        kwargs.setdefault(
            "initial",
            {
                "email_kinds": [k.key for k in kinds if preferences.wants_email(k.key)],
                "daily_digest": preferences.daily_digest,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["email_kinds"].choices = [(kind.key, kind.label) for kind in kinds]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))
