"""Forms of the talk pages: the list's filters, the request, the schedule, the delivery record and
the cancellation. Every choice of a school, topic, person or partner is scoped in __init__ from a
selector (a ModelChoiceField's default would offer every row); the services check again what a
forged POST could get past a choice list.

Dates and times are typed on the agency's clock: the middleware activates the agency's time zone,
and Django's DateTimeField reads a typed `datetime-local` value in it.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from officers.selectors import partner_qs_for
from presentations.models import Grade, Presentation
from presentations.selectors import presenter_choices_for, topic_qs_for
from schools.selectors import school_qs_for
from sro_portal.core.forms import RowChoiceField

GRADE_CHOICES = [("", "—"), *Grade.choices]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _helper(label, *, css_class: str = "btn-primary") -> FormHelper:
    helper = FormHelper()
    button = Submit("submit", label)
    button.field_classes = f"btn {css_class}"
    helper.add_input(button)
    return helper


def _pair(first: str, second: str) -> Div:
    """Two fields side by side from a small screen up; one column on a phone."""
    return Div(Div(first, css_class="col-sm-6"), Div(second, css_class="col-sm-6"), css_class="row")


class TopicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, topic):
        return f"{topic.title} ({topic.grades_label})"


class PresenterChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return str(user)


# --- The list's filters -------------------------------------------------------------------------


class PresentationFilterForm(forms.Form):
    """Filters read from the query string. A value that does not parse (or names a school or topic
    the user does not see) is shown as an error and ignored."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    school = RowChoiceField(label=_("School"), queryset=None, required=False)
    topic = RowChoiceField(label=_("Topic"), queryset=None, required=False, label_fields=("title",))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *Presentation.Status.choices]
        self.fields["school"].queryset = school_qs_for(actor).order_by("name")
        self.fields["school"].empty_label = _("All my schools")
        self.fields["topic"].queryset = topic_qs_for(actor).order_by("title")
        self.fields["topic"].empty_label = _("Any topic")
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-select" + (
                " is-invalid" if name in self.errors else ""
            )


# --- The request --------------------------------------------------------------------------------


class RequestForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=None)
    topic = TopicChoiceField(label=_("Topic"), queryset=None)
    classes = forms.CharField(
        label=_("Classes"),
        max_length=200,
        help_text=_("For example: 8A and 8B, Ms. Roy's homeroom."),
    )
    grade_from = forms.TypedChoiceField(label=_("From grade"), choices=GRADE_CHOICES, coerce=int)
    grade_to = forms.TypedChoiceField(label=_("To grade"), choices=GRADE_CHOICES, coerce=int)
    expected_students = forms.IntegerField(
        label=_("Expected students"), min_value=1, max_value=2000
    )
    preferred_from = forms.DateField(label=_("Preferred from"), widget=DateInput)
    preferred_to = forms.DateField(label=_("Preferred until"), widget=DateInput)
    needs = forms.CharField(
        label=_("What this school needs"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What happened lately, what the students ask about: the talk is tailored to the "
            "school. Do not name students."
        ),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = (
            school_qs_for(actor).filter(is_active=True).order_by("name")
        )
        self.fields["topic"].queryset = topic_qs_for(actor).filter(is_active=True).order_by("title")
        self.fields["school"].empty_label = _("Choose the school")
        self.fields["topic"].empty_label = _("Choose a topic")
        today = actor.agency.today().isoformat()
        for name in ("preferred_from", "preferred_to"):
            self.fields[name].widget.attrs["min"] = today
        self.helper = _helper(_("Send the request"))
        self.helper.layout = Layout(
            _pair("school", "topic"),
            "classes",
            _pair("grade_from", "grade_to"),
            "expected_students",
            _pair("preferred_from", "preferred_to"),
            "needs",
        )


# --- The schedule -------------------------------------------------------------------------------


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=DateTimeLocalInput,
    )
    room = forms.CharField(label=_("Room"), max_length=100, required=False)
    presenters = PresenterChoiceField(
        label=_("Presenters"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one presenter.")},
    )
    partner = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=None,
        required=False,
        help_text=_("A community partner who presents too, if any."),
    )
    reason = forms.CharField(
        label=_("Why does it move?"),
        max_length=500,
        required=False,
        help_text=_("Needed when the date, time or room changes. Kept in the schedule's history."),
    )

    def __init__(self, *args, actor, presentation: Presentation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presenters"].queryset = presenter_choices_for(actor)
        self.fields["partner"].queryset = (
            partner_qs_for(actor).filter(is_active=True).order_by("name")
        )
        self.fields["partner"].empty_label = _("No partner")
        self.fields["scheduled_at"].help_text = _("On the agency's clock (%(zone)s).") % {
            "zone": actor.agency.time_zone
        }
        fields = ["scheduled_at", "room", "presenters", "partner"]
        if presentation.status != Presentation.Status.SCHEDULED:
            del self.fields["reason"]  # a first date moves nothing
        else:
            fields.append("reason")
        label = (
            _("Save the new schedule")
            if presentation.status == Presentation.Status.SCHEDULED
            else _("Schedule")
        )
        self.helper = _helper(label)
        self.helper.layout = Layout(_pair("scheduled_at", "room"), *fields[2:])


# --- The delivery record ------------------------------------------------------------------------


class DeliverForm(forms.Form):
    students_reached = forms.IntegerField(label=_("Students reached"), min_value=1, max_value=2000)
    classes_reached = forms.CharField(label=_("Classes reached"), max_length=200)
    tailoring = forms.CharField(
        label=_("What was tailored"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you changed for this school, from what it asked for."),
    )
    follow_up_questions = forms.CharField(
        label=_("Follow-up questions raised"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Questions to answer later, or to bring up in the next talk. No names."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Record the delivery"), css_class="btn-success")
        self.helper.layout = Layout(
            _pair("students_reached", "classes_reached"), "tailoring", "follow_up_questions"
        )


# --- A cancellation -----------------------------------------------------------------------------


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Cancel the presentation"), css_class="btn-danger")
