"""Forms of the feedback pages: the teacher's answer through the one-time link, and the period of
the supervisors' results page."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _scale(low, high) -> list[tuple[int, str]]:
    """1 to 5, the two ends named (stacked radio buttons: one label each, easy to tap and to
    reach with the arrow keys)."""
    return [(1, low), (2, "2"), (3, "3"), (4, "4"), (5, high)]


class FeedbackForm(forms.Form):
    usefulness = forms.TypedChoiceField(
        label=_("How useful was the presentation for your students?"),
        coerce=int,
        choices=_scale(_("1: not useful"), _("5: very useful")),
        widget=forms.RadioSelect,
    )
    fit = forms.TypedChoiceField(
        label=_("How well did it fit your class (their age, what they needed)?"),
        coerce=int,
        choices=_scale(_("1: a poor fit"), _("5: an excellent fit")),
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional. What worked, what to change, what your students asked afterwards."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Send feedback")))


class ResultsPeriodForm(forms.Form):
    """The period of the results page, read from the query string."""

    since = forms.DateField(label=_("Talks from"), widget=DateInput)
    until = forms.DateField(label=_("Talks until"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                Div(Field("since"), css_class="col-sm-5 col-lg-3"),
                Div(Field("until"), css_class="col-sm-5 col-lg-3"),
                css_class="row",
            )
        )
        show = Submit("show", _("Show"), css_id="show-period")
        show.field_classes = "btn btn-outline-primary"
        self.helper.add_input(show)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The last date comes after the first."))
        return cleaned
