"""The check-in form: the officer confirms whether the youth re-offended since the agreement was
completed. The portal proposes an answer from the incident log (selectors.proposed_reoffence);
the officer's word is what counts."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from payoff.models import CheckIn

YES, NO = "yes", "no"


class CheckInConfirmForm(forms.Form):
    reoffended = forms.TypedChoiceField(
        label=_("Did the youth re-offend since the agreement was completed?"),
        choices=[
            (YES, _("Yes: the youth re-offended")),
            (NO, _("No: no new offence")),
        ],
        coerce=lambda value: value == YES,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, check_in: CheckIn, proposed: bool, **kwargs):
        answer = proposed if check_in.reoffended is None else check_in.reoffended
        kwargs.setdefault("initial", {"reoffended": YES if answer else NO})
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = reverse("payoff:check_in", args=[check_in.pk])
        label = _("Confirm") if check_in.reoffended is None else _("Change the answer")
        button = Submit("submit", label, css_id="submit-check-in")
        button.field_classes = "btn btn-primary"
        self.helper.add_input(button)
